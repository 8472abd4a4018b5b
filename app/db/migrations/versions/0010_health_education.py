"""the clinic's own activities (健康教育活动记录表, issue 16): a table of their own, not records of a
resident (record.resident_uuid is required), with the activity's date indexed for the year's list.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("edition", sa.String(8), nullable=False),
        sa.Column("visit_date", sa.String(10), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_activity")),
    )
    op.create_index(op.f("ix_activity_visit_date"), "activity", ["visit_date"])


def downgrade() -> None:
    op.drop_index(op.f("ix_activity_visit_date"), table_name="activity")
    op.drop_table("activity")
