"""resident (id_number, status, record_no, uuid): a covering index for the search by the start of
an ID number (app/search.py): a range of it gives each hit's uuid and list position (status,
record number) without reading ~500 resident rows for a region and birth year at 50,000 residents

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
    op.create_index("ix_resident_id_start", "resident", ["id_number", "status", "record_no", "uuid"],
                    unique=False)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_resident_id_start", table_name="resident")
