"""device tokens expire and rotate; idempotency keyed by (device, mutation id); feed rows name
the device whose clean push made them (it need not pull them back)

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


def upgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("prev_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("prev_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_device_prev_token_hash", ["prev_token_hash"], unique=False)
    # Tokens issued before expiry existed get the default lifetime from now.
    op.execute(sa.text("UPDATE device SET token_expires_at = :t").bindparams(t=_in_days(90)))
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
    # The key's first column is the device: its own index is no longer needed.
    with op.batch_alter_table("applied_mutation", schema=None) as batch_op:
        batch_op.drop_index("ix_applied_mutation_device_id")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("applied_mutation_pkey", "applied_mutation", type_="primary")
        op.create_primary_key("applied_mutation_pkey", "applied_mutation",
                              ["device_id", "mutation_id"])  # fmt: skip
    else:
        # SQLite cannot change a key in place: the table is rebuilt with the new one.
        keyed = sa.Table(
            "applied_mutation",
            sa.MetaData(),
            sa.Column("device_id", sa.String(length=36), primary_key=True),
            sa.Column("mutation_id", sa.String(length=64), primary_key=True),
            sa.Column("result", sa.JSON(), nullable=False),
            sa.Column("applied_at", sa.DateTime(), nullable=False),
        )
        with op.batch_alter_table("applied_mutation", recreate="always", copy_from=keyed):
            pass


def _in_days(days: int):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=days)


def downgrade() -> None:
    raise NotImplementedError("the county database is never downgraded")
