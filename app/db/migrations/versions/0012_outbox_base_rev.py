"""outbox.base_rev goes: it held the local revision an edit was made on, which the county never
sees (a push sends the revision the county gave, sync_entity.rev) and nothing read (issue 17).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("outbox", "base_rev")  # SQLite 3.35+ drops it in place


def downgrade() -> None:
    op.add_column("outbox", sa.Column("base_rev", sa.Integer(), nullable=True))
