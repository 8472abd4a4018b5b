"""initial county server schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applied_mutation",
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mutation_id"),
    )
    with op.batch_alter_table("applied_mutation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applied_mutation_device_id"), ["device_id"], unique=False
        )

    op.create_table(
        "area_state",
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("township", sa.String(length=9), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("area"),
    )
    with op.batch_alter_table("area_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_state_township"), ["township"], unique=False)

    op.create_table(
        "conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entity_uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("resident_uuid", sa.String(length=36), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column(
            "original",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "mine",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "theirs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "resolution",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflict_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_entity_uuid"), ["entity_uuid"], unique=False)

    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "entity",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("resident_uuid", sa.String(length=36), nullable=True),
        sa.Column("record_no", sa.String(length=17), nullable=True),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("record_no"),
    )
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_area"), ["area"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_entity_resident_uuid"), ["resident_uuid"], unique=False
        )

    op.create_table(
        "feed",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("township", sa.String(length=9), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.create_index("ix_feed_area_seq", ["area", "seq"], unique=False)
        batch_op.create_index("ix_feed_township_seq", ["township", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_uuid"), ["uuid"], unique=False)

    op.create_table(
        "institution",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "merge_move",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("duplicate_uuid", sa.String(length=36), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merge_move", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merge_move_duplicate_uuid"), ["duplicate_uuid"], unique=False
        )

    op.create_table(
        "move",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("old_area", sa.String(length=12), nullable=False),
        sa.Column("new_area", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_move_uuid"), ["uuid"], unique=False)

    op.create_table(
        "serial_block",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("serial_block", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_serial_block_device_id"), ["device_id"], unique=False)

    op.create_table(
        "serial_counter",
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area"),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "enroll_code",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counter, [{"name": "seq", "value": 0}])


def downgrade() -> None:
    op.drop_table("enroll_code")
    op.drop_table("device")
    op.drop_table("serial_counter")
    with op.batch_alter_table("serial_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_serial_block_device_id"))

    op.drop_table("serial_block")
    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_move_uuid"))

    op.drop_table("move")
    op.drop_table("merge_move")
    op.drop_table("meta")
    op.drop_table("institution")
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_uuid"))
        batch_op.drop_index("ix_feed_township_seq")
        batch_op.drop_index("ix_feed_area_seq")

    op.drop_table("feed")
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_resident_uuid"))
        batch_op.drop_index(batch_op.f("ix_entity_area"))

    op.drop_table("entity")
    op.drop_table("counter")
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_entity_uuid"))
        batch_op.drop_index(batch_op.f("ix_conflict_area"))

    op.drop_table("conflict")
    with op.batch_alter_table("area_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_state_township"))

    op.drop_table("area_state")
    with op.batch_alter_table("applied_mutation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applied_mutation_device_id"))

    op.drop_table("applied_mutation")
