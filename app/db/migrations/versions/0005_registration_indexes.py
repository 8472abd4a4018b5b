"""registration lookups indexed: resident.birth_date (the similar-resident check of a registration
and of every row of an import; the "65 and over" list filter) and household (label, village)
(a household named by its label)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX: no table copy (batch mode would not need one either, but say so).
    op.create_index(op.f("ix_resident_birth_date"), "resident", ["birth_date"], unique=False)
    op.create_index("ix_household_label_village", "household", ["label", "village"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_household_label_village", table_name="household")
    op.drop_index(op.f("ix_resident_birth_date"), table_name="resident")
