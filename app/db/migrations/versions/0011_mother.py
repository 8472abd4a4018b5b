"""mother-child link and former names (issue 15): resident.mother_uuid (the synced resident key
`mother`, forms/entity_keys.py), indexed so a mother's view lists her children; resident.former_names
(a JSON list kept by the writer, app/repo/residents.py) so a renamed resident (an unnamed baby
entered as 母亲姓名+之男/之女) is still found by the names it had.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("resident", sa.Column("mother_uuid", sa.String(36), nullable=True))
    op.add_column("resident", sa.Column("former_names", sa.Text(), nullable=True))
    op.create_index("ix_resident_mother_uuid", "resident", ["mother_uuid"])


def downgrade() -> None:
    op.drop_index("ix_resident_mother_uuid", table_name="resident")
    # Native DROP COLUMN (SQLite >= 3.35): batch mode would copy the resident table (and trip
    # the term triggers that name it, migration 0004).
    op.execute("ALTER TABLE resident DROP COLUMN former_names")
    op.execute("ALTER TABLE resident DROP COLUMN mother_uuid")
