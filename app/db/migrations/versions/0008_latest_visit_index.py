"""record (form, status, resident_uuid, visit_date): each programme's "latest visit per resident"
(the due list, the indicators) read from the index alone, one query per form (migrate.upgrade
then refreshes the planner's statistics, app/db/planner.py)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_record_latest", "record", ["form", "status", "resident_uuid", "visit_date"],
                    unique=False)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_record_latest", table_name="record")
