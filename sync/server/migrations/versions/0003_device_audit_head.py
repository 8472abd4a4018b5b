"""device: the last audit-chain head each device sent, and a flag when a later one did not extend it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("audit_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("audit_flag", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("audit_flag_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        for name in ("audit_flag_at", "audit_flag", "audit_hash", "audit_seq"):
            batch_op.drop_column(name)
