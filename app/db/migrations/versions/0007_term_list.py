"""a resident's row lists its search terms (resident.terms); the term table loses its index by
resident and its foreign key: each term was written to two b-trees, the second only to find a
resident's own terms again (a rewrite, a status change), which the list on the row now does by
primary key; the foreign key looked the resident up again for every term (12 per resident). The
table is derived from the residents: `cunyi check` compares it with the lists instead.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Keep in step with app/search.py order_key() (as migration 0004's copy of it).
ORDER_SQL = ("(CASE r.status WHEN 'active' THEN 0 WHEN 'merged' THEN 2 ELSE 1 END) "
             "* 100000000000000000 + (CASE WHEN length(r.record_no) = 17 AND r.record_no NOT GLOB "
             "'*[^0-9]*' THEN CAST(r.record_no AS INTEGER) ELSE 99999999999999999 END)")  # fmt: skip

# Status changes and renumbering move a resident in the list, whoever makes them: its own term
# rows, as its row lists them (app.search.pack: kind + term), each found by primary key.
ORDER_CHANGED = f"""CREATE TRIGGER resident_order_changed AFTER UPDATE OF status, record_no ON resident
    BEGIN UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r WHERE r.uuid = NEW.uuid)
    WHERE (kind, term, resident_uuid) IN
        (SELECT substr(j.value, 1, 1), substr(j.value, 2), NEW.uuid FROM json_each(NEW.terms) AS j);
    END"""

OLD_ORDER_CHANGED = f"""CREATE TRIGGER resident_order_changed AFTER UPDATE OF status, record_no ON resident
    BEGIN UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r
        WHERE r.uuid = NEW.uuid) WHERE resident_uuid = NEW.uuid; END"""


TABLE = """CREATE TABLE {name} (
    kind VARCHAR(1) NOT NULL,
    term TEXT NOT NULL,
    resident_uuid VARCHAR(36) NOT NULL,
    ord BIGINT,
    CONSTRAINT pk_resident_term PRIMARY KEY (kind, term, resident_uuid){fk}
) WITHOUT ROWID"""
FK = """,
    CONSTRAINT fk_resident_term_resident_uuid_resident FOREIGN KEY(resident_uuid)
        REFERENCES resident (uuid)"""

# As migration 0004: a writer that leaves ord out still gets it.
FILL_ORD = f"""CREATE TRIGGER resident_term_fill_ord AFTER INSERT ON resident_term WHEN NEW.ord IS NULL
    BEGIN UPDATE resident_term SET ord = (SELECT {ORDER_SQL} FROM resident AS r
        WHERE r.uuid = NEW.resident_uuid)
    WHERE kind = NEW.kind AND term = NEW.term AND resident_uuid = NEW.resident_uuid; END"""


def _copy_terms(fk: str) -> None:
    # Copied once in key order into the new table (seconds at 50,000 residents); dropping the old
    # one drops its fill trigger, made again on the new one.
    op.execute(TABLE.format(name="resident_term_new", fk=fk))
    op.execute("INSERT INTO resident_term_new (kind, term, resident_uuid, ord) "
               "SELECT kind, term, resident_uuid, ord FROM resident_term ORDER BY kind, term, resident_uuid")  # fmt: skip
    op.execute("DROP TABLE resident_term")
    op.execute("ALTER TABLE resident_term_new RENAME TO resident_term")
    op.execute(FILL_ORD)


def upgrade() -> None:
    op.add_column("resident", sa.Column("terms", sa.Text(), nullable=True))
    # Sorted as app.search.pack sorts them; read through the index by resident, dropped next.
    op.execute("""UPDATE resident SET terms = (SELECT json_group_array(v) FROM
        (SELECT t.kind || t.term AS v FROM resident_term AS t WHERE t.resident_uuid = resident.uuid
         ORDER BY v))""")
    op.execute("DROP TRIGGER IF EXISTS resident_order_changed")
    _copy_terms(fk="")
    op.execute(ORDER_CHANGED)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS resident_order_changed")
    _copy_terms(fk=FK)
    op.create_index("ix_resident_term_resident_uuid", "resident_term", ["resident_uuid"])
    # Native DROP COLUMN (SQLite >= 3.35): batch mode would copy the resident table.
    op.execute("ALTER TABLE resident DROP COLUMN terms")
    op.execute(OLD_ORDER_CHANGED)
