"""a refused change keeps the county's code in its own column (outbox.error_code) and only the
reason in last_error: the code was written into the text as "[code] reason", and the sync panel
and the retry of retryable codes parsed it back out.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# "[code] reason": the code is the text between the brackets, the reason what follows the space.
SPLIT = """UPDATE outbox SET
    error_code = substr(last_error, 2, instr(last_error, ']') - 2),
    last_error = ltrim(substr(last_error, instr(last_error, ']') + 1))
    WHERE last_error LIKE '[%]%'"""
JOIN = """UPDATE outbox SET last_error = '[' || error_code || '] ' || coalesce(last_error, '')
    WHERE error_code IS NOT NULL"""


def upgrade() -> None:
    op.add_column("outbox", sa.Column("error_code", sa.String(32), nullable=True))
    op.execute(SPLIT)


def downgrade() -> None:
    op.execute(JOIN)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("error_code")
