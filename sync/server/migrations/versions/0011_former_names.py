"""entity.former_names: a resident's names before its current one, kept by the server and sent
with it, so a device that gets only its current state still finds it by them; filled from the
history (entity_version) for the residents renamed before the upgrade

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("former_names", json, nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        name, current = "v.data->>'name'", "e.data->>'name'"
    else:
        name, current = "json_extract(v.data, '$.name')", "json_extract(e.data, '$.name')"
    # Every name of a resident's history but its current one, ordered by its last version: the
    # order the push keeps them in (a name joins the end when it is replaced and leaves the list
    # when it comes back). Only the renamed residents' rows come back.
    rows = conn.execute(sa.text(
        f"SELECT v.uuid, {name} AS name, max(v.id) AS latest FROM entity_version v "
        f"JOIN entity e ON e.uuid = v.uuid "
        f"WHERE e.kind = 'resident' AND v.kind = 'resident' AND {name} IS NOT NULL "
        f"AND {name} <> '' AND ({current} IS NULL OR {name} <> {current}) "
        f"GROUP BY v.uuid, {name} ORDER BY v.uuid, latest"
    ))  # fmt: skip
    names: dict[str, list[str]] = defaultdict(list)
    for uuid, old, _latest in rows:
        names[uuid].append(old)
    if names:
        entity = sa.table("entity", sa.column("uuid", sa.String), sa.column("former_names", json))
        conn.execute(
            entity.update()
            .where(entity.c.uuid == sa.bindparam("u"))
            .values(former_names=sa.bindparam("n")),
            [{"u": u, "n": n} for u, n in names.items()],
        )


def downgrade() -> None:
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_column("former_names")
