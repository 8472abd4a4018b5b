"""conflict: which institution and device each of the two values came from (issue 17 point 4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mine_from", json, nullable=True))
        batch_op.add_column(sa.Column("theirs_from", json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_column("theirs_from")
        batch_op.drop_column("mine_from")
