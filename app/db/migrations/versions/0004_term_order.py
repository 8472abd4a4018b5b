"""resident_term.ord: each term carries its resident's list position, so search sorts and
groups integers from one covering index instead of joining every hit to the resident table

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Keep in step with app/search.py order_key(): status class * 10**17 + the 17-digit record number.
ORDER_SQL = ("(CASE r.status WHEN 'active' THEN 0 WHEN 'merged' THEN 2 ELSE 1 END) "
             "* 100000000000000000 + CAST(r.record_no AS INTEGER)")  # fmt: skip

TRIGGERS = (
    # A writer that leaves ord out (an older code path) still gets it: search stays correct.
    f"""CREATE TRIGGER resident_term_fill_ord AFTER INSERT ON resident_term WHEN NEW.ord IS NULL
        BEGIN UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r
            WHERE r.uuid = NEW.resident_uuid) WHERE rowid = NEW.rowid; END""",
    # Status changes and renumbering move a resident in the list, whoever makes them.
    f"""CREATE TRIGGER resident_order_changed AFTER UPDATE OF status, record_no ON resident
        BEGIN UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r
            WHERE r.uuid = NEW.uuid) WHERE resident_uuid = NEW.uuid; END""",
)


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no batch copy of the table): seconds, not a minute, at 50,000
    # residents; the index is built after the column is filled.
    op.add_column("resident_term", sa.Column("ord", sa.BigInteger(), nullable=True))
    op.execute(f"UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r "
               "WHERE r.uuid = resident_term.resident_uuid)")  # fmt: skip
    op.create_index("ix_resident_term_order", "resident_term", ["kind", "term", "ord", "resident_uuid"])
    for sql in TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS resident_order_changed")
    op.execute("DROP TRIGGER IF EXISTS resident_term_fill_ord")
    with op.batch_alter_table("resident_term", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_term_order")
        batch_op.drop_column("ord")
