"""move: the exit's sequence number and the device that moved; device: the highest sequence number
it has been sent (jurisdiction decided from the server's own state, issue 17 point 1)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("seen_seq")
    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.drop_column("device_id")
        batch_op.drop_column("seq")
