"""sync_entity.h: each entity's share of the drift-check hash, so SQL can add it up

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("h", sa.BigInteger(), nullable=False, server_default="0"))
    # Rows synced before this revision get their share on the next drift repair (the sums differ).


def downgrade() -> None:
    with op.batch_alter_table("sync_entity", schema=None) as batch_op:
        batch_op.drop_column("h")
