"""The county server's tables (its own schema and Alembic chain, separate from the client's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """County settings: county_area (6 digits), county_name."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


class Counter(Base):
    """Single-row counters. Row 'seq' is locked by every writing transaction until it commits, so
    sequence numbers are handed out in commit order and a pull cursor never skips a late commit."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Institution(Base):
    __tablename__ = "institution"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))  # village | township | county
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EnrollCode(Base):
    __tablename__ = "enroll_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Device(Base):
    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Tokens expire and rotate at every sync (sync/server/tokens.py). The previous token stays
    # valid until the new one is first used, so a client that died before storing the new one
    # is not locked out.
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    prev_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    prev_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The last head of the device's audit chain it sent (sync/server/anchor.py), and what was
    # wrong when a later chain did not extend it (kept until the county clears it).
    audit_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    audit_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_flag: Mapped[str | None] = mapped_column(Text, nullable=True)
    audit_flag_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The highest feed sequence number a pull or snapshot has handed this device: what it can
    # have seen, so what it cannot have known when it made a queued edit (push.pusher._access).
    seen_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Set when the device finishes a pull (the end of a sync), cleared when it reports its audit
    # head: a device that pushes again while it is set skipped the check (anchor.overdue).
    head_due: Mapped[bool] = mapped_column(default=False)
    # The sequence number when the device's last push began (push.pusher._access).
    push_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Entity(Base):
    """Current state of a resident or a record; `area` (12 digits) is its jurisdiction."""

    __tablename__ = "entity"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # resident | record
    area: Mapped[str] = mapped_column(String(12), index=True)
    resident_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    record_no: Mapped[str | None] = mapped_column(String(17), unique=True, nullable=True)
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True)
    rev: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # A resident's names before its current one, in the order they were replaced
    # (forms/former_names.py): kept here, not in `data`, because the server decides them and a
    # client never sends them; items carry them (feed.entity_item) so a device that gets only
    # the current state finds the resident by them.
    former_names: Mapped[list[str] | None] = mapped_column(Json, nullable=True)

    # The snapshot pages through one kind by uuid (then filters the area).
    __table_args__ = (Index("ix_entity_kind_uuid", "kind", "uuid"),)


class Move(Base):
    """A resident left `old_area` at `rev`: edits made there before the move are still accepted."""

    __tablename__ = "move"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), index=True)
    rev: Mapped[int] = mapped_column(Integer)
    old_area: Mapped[str] = mapped_column(String(12))
    new_area: Mapped[str] = mapped_column(String(12))
    # The sequence number of the old area's exit, and the device that made the move (both null
    # for moves made before migration 0004: such a move counts as known to every device).
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class MergeMove(Base):
    """A record moved from a merged-away resident to the survivor (moved back on unmerge)."""

    __tablename__ = "merge_move"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    duplicate_uuid: Mapped[str] = mapped_column(String(36), index=True)
    record_uuid: Mapped[str] = mapped_column(String(36))


class Feed(Base):
    """The pull feed: one row per (entity, area) holding the latest sequence number; op 'exit' tells
    the old jurisdiction that the entity moved away."""

    __tablename__ = "feed"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10))  # resident | record | conflict
    uuid: Mapped[str] = mapped_column(String(36), index=True)
    area: Mapped[str] = mapped_column(String(12))
    township: Mapped[str] = mapped_column(String(9))
    op: Mapped[str] = mapped_column(String(8))  # upsert | exit
    # The device whose push made this version, set only when the push applied its change as
    # sent (nothing merged in): that device already holds it and need not pull it back.
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (
        Index("ix_feed_area_seq", "area", "seq"),
        Index("ix_feed_township_seq", "township", "seq"),
    )


class AreaState(Base):
    """Count and XOR hash of (uuid, rev) of the entities of one village area, kept incrementally
    so a pull can hand out a drift check without scanning the jurisdiction."""

    __tablename__ = "area_state"
    area: Mapped[str] = mapped_column(String(12), primary_key=True)
    township: Mapped[str] = mapped_column(String(9), index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[int] = mapped_column(BigInteger, default=0)


class AppliedMutation(Base):
    """Idempotency store: a replayed mutation id gets its first result back and changes nothing.
    Keyed by (device, mutation id): another device's id is not a replay."""

    __tablename__ = "applied_mutation"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mutation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[dict[str, Any]] = mapped_column(Json)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Conflict(Base):
    __tablename__ = "conflict"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    resident_uuid: Mapped[str] = mapped_column(String(36))
    area: Mapped[str] = mapped_column(String(12), index=True)
    path: Mapped[str] = mapped_column(String(300))
    original: Mapped[Any] = mapped_column(Json, nullable=True)
    mine: Mapped[Any] = mapped_column(Json, nullable=True)
    theirs: Mapped[Any] = mapped_column(Json, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    resolution: Mapped[Any] = mapped_column(Json, nullable=True)
    mutation_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    # Where `mine` (the pushing device) and `theirs` (the server's value) came from:
    # {device, device_name, institution, area}, or null when the server does not know.
    mine_from: Mapped[Any] = mapped_column(Json, nullable=True)
    theirs_from: Mapped[Any] = mapped_column(Json, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SerialCounter(Base):
    __tablename__ = "serial_counter"
    area: Mapped[str] = mapped_column(String(12), primary_key=True)
    next: Mapped[int] = mapped_column(Integer, default=1)


class SerialBlock(Base):
    __tablename__ = "serial_block"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    area: Mapped[str] = mapped_column(String(12))
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EntityVersion(Base):
    """Every state an entity has had on the server, with who sent it: the history that answers
    "who changed this blood pressure, from what". Append-only (a trigger refuses UPDATE and
    DELETE, migration 0005); written only by feed.publish."""

    __tablename__ = "entity_version"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)  # fmt: skip
    uuid: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    rev: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    area: Mapped[str] = mapped_column(String(12))
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    # Who: the device that pushed the change (for records that follow their resident's move or
    # merge, the change that caused it; null for versions from before migration 0005), the user
    # named on the device, the change's mutation id and when the device says it was made.
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    user: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mutation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    made_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AccessLog(Base):
    """Append-only log of what each device (or would-be device) did: pushes, pulls, snapshots,
    reads, enrolments, serial blocks, audit-head checks and failed authentication. It names
    areas, counts and entity ids, never a resident's values."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)  # fmt: skip
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    area: Mapped[str | None] = mapped_column(String(12), nullable=True)  # the device's scope
    action: Mapped[str] = mapped_column(String(20))
    ok: Mapped[bool] = mapped_column(default=True)
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an entity uuid
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)  # address it came from


class AuthFailure(Base):
    """Failed enrolment codes and refused tokens per client address, shared by every server
    instance on this database (sync/server/throttle.py)."""

    __tablename__ = "auth_failure"
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    lock_secs: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
