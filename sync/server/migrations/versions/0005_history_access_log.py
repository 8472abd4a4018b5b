"""entity_version (every state of every entity, with device, user and time) and access_log
(pulls, snapshots, reads, enrolments, failed authentication), both append-only (issue 17 point 2)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("entity_version", "access_log")


def _id() -> sa.Column:
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
        autoincrement=True,
    )  # fmt: skip


def upgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    op.create_table(
        "entity_version",
        _id(),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("area", sa.String(12), nullable=False),
        sa.Column("data", json, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("user", sa.String(64), nullable=True),
        sa.Column("mutation_id", sa.String(64), nullable=True),
        sa.Column("made_at", sa.String(32), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_entity_version_uuid", "entity_version", ["uuid"])
    op.create_index("ix_entity_version_device_id", "entity_version", ["device_id"])
    op.create_table(
        "access_log",
        _id(),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("area", sa.String(12), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("client", sa.String(64), nullable=True),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_device_id", "access_log", ["device_id"])
    # What the server holds already is its first known version (who sent it is not known).
    op.execute(
        "INSERT INTO entity_version (uuid, kind, rev, seq, area, data, at) "
        "SELECT uuid, kind, rev, seq, area, data, updated_at FROM entity"
    )
    # Append-only in the database itself, not only in the code that writes them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION cunyi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME; END $$"
        )
        for t in TABLES:
            op.execute(
                f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION cunyi_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cunyi_append_only()"
            )
    else:
        for t in TABLES:
            for what in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {t}_no_{what.lower()} BEFORE {what} ON {t} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {t}'); END"
                )


def downgrade() -> None:
    for t in TABLES:
        op.drop_table(t)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cunyi_append_only()")
