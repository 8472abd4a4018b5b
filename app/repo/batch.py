"""The writer's batch entry: many new residents, records and households at once (an import, the
first sync of a township), one executemany per table. Rows are named tuples: the statement gets
plain tuples (no per-row ORM bookkeeping), the code reads fields by name.

What goes with the rows follows the same `Origin` rule as one change (app/repo/origin.py): the
versions always, outbox rows only for changes made here, the audit entries are the caller's
(an import is audited as one action per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from app import search
from app.db.models import Household, Outbox, Record, Resident, Version
from app.repo.origin import Origin


class ResidentRow(NamedTuple):
    uuid: str
    record_no: str
    provisional: bool
    name: str
    sex: str
    birth_date: str
    id_number: str | None
    phone: str | None
    address: str | None
    village: str
    household_uuid: str | None
    status: str
    status_date: str | None
    status_reason: str | None
    merged_into: str | None
    tags: str
    doc: str  # the personal_info document's JSON
    edition: str
    rev: int
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str
    terms: str  # search.pack of the terms its fields call for (their rows: search.INSERT_LISTED)
    mother_uuid: str | None = None  # the synced key `mother` (forms/entity_keys.py)
    # JSON list: the server's former names of a pulled row (sync/bulk.py); none for a row made
    # here (the writer keeps them on a rename)
    former_names: str | None = None


class RecordRow(NamedTuple):
    uuid: str
    resident_uuid: str
    form: str
    edition: str
    visit_date: str | None
    doc: str
    status: str
    rev: int
    created_at: str
    updated_at: str
    created_by: str
    updated_by: str


class HouseholdRow(NamedTuple):
    uuid: str
    label: str
    village: str
    head_uuid: str | None
    created_at: str


class VersionRow(NamedTuple):
    entity: str
    entity_uuid: str
    rev: int
    action: str
    data: str
    changes: str  # "{}" for a first version (changes.version_changes)
    at: str
    user: str


class OutboxRow(NamedTuple):
    mutation_id: str
    entity: str
    entity_uuid: str
    op: str
    changes: str
    created_at: str
    user: str
    state: str
    attempts: int
    last_error: str | None


def plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """`row` as a plain tuple, for a list of thousands kept until the insert: the cyclic garbage
    collector stops tracking plain tuples of plain values, not named ones, and traversing them
    on every collection cost a first sync ~12% of its page CPU (docs/decisions/writer.md)."""
    return tuple(row)


def _insert(model: type, row: type[Any]) -> str:
    cols = ", ".join(f'"{c}"' for c in row._fields)
    marks = ", ".join("?" * len(row._fields))
    return f"INSERT INTO {model.__tablename__} ({cols}) VALUES ({marks})"  # type: ignore[attr-defined]


INSERT_HOUSEHOLD = _insert(Household, HouseholdRow)
INSERT_RESIDENT = _insert(Resident, ResidentRow)
INSERT_RECORD = _insert(Record, RecordRow)
INSERT_VERSION = _insert(Version, VersionRow)
INSERT_OUTBOX = _insert(Outbox, OutboxRow)


def _many(conn: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql, rows[0] if len(rows) == 1 else rows)


Rows = Sequence[tuple[Any, ...]]  # the named rows above, or plain() of them


def insert(s: Session, origin: Origin, *, households: Rows = (), residents: Rows = (),
           records: Rows = (), versions: Rows = (), outbox: Rows = ()) -> None:  # fmt: skip
    """Insert new rows (HouseholdRow, ResidentRow, RecordRow, VersionRow, OutboxRow), the
    residents' search terms and the versions; the outbox rows only when `origin` queues its
    changes (a pulled page must bring none)."""
    assert origin.queued or not outbox, "the server's changes are not sent back to it"
    conn = s.connection()
    _many(conn, INSERT_HOUSEHOLD, households)
    if residents:
        last = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM resident").scalar_one()
        _many(conn, INSERT_RESIDENT, residents)
        conn.exec_driver_sql(search.INSERT_LISTED, (last,))  # the term rows their lists name
    _many(conn, INSERT_RECORD, records)
    _many(conn, INSERT_VERSION, versions)
    _many(conn, INSERT_OUTBOX, outbox)
