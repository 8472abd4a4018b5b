"""Registering many residents in one transaction, fast: the same rows residents.add_in writes
(resident, search terms, version, outbox, chained audit entry), inserted with executemany.

The ORM path costs ~0.3 ms per statement on a slow laptop and add_in issues about a dozen
statements and two dozen objects per resident (~10 ms); an import of a township's 20,000
residents must not take an hour. Only the plain case is handled here: a row that is invalid,
whose ID number is taken, or that looks like a resident already registered is handed to
residents.add_in itself, so it gets exactly the same checks and messages. A test compares what
both paths store.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from app import recordno, search
from app.clock import now_iso
from app.db.models import Audit, Household, Outbox, Resident, ResidentTerm, SerialBlock, Version
from app.errors import InvalidInput
from app.pinyin import primary_pinyin
from app.services import audit, residents
from app.services.changes import diff, dumps
from app.services.resident_input import Cleaned, clean

if TYPE_CHECKING:
    from app.store import Store


@dataclass
class Added:
    uuid: str
    record_no: str
    name: str
    birth_date: str
    id_number: str | None


class _Seen:
    """Residents a new row could duplicate: stored ones with the batch's birth dates, plus the
    rows of this batch already accepted (what add_in's _similar and _check_id_unique look for)."""

    def __init__(self, s: Session, cleaned: Sequence[Cleaned]) -> None:
        self.ids: set[str] = set()
        self.keys: set[tuple[str, str, str]] = set()  # (birth, "n"|"p"|"t", value)
        numbers = [c.doc["id_number"] for c in cleaned if c.doc.get("id_number")]
        for i in range(0, len(numbers), 500):
            q = select(Resident.id_number).where(Resident.id_number.in_(numbers[i : i + 500]))
            self.ids.update(s.execute(q).scalars())
        births = sorted({c.doc["birth_date"] for c in cleaned})
        for i in range(0, len(births), 500):
            q = select(Resident.uuid, Resident.name, Resident.birth_date, Resident.phone).where(
                Resident.birth_date.in_(births[i : i + 500]), Resident.status != "merged")
            found = {u: (name, birth, phone) for u, name, birth, phone in s.execute(q)}
            for name, birth, phone in found.values():
                self._note(birth, name, phone, ())
            uuids = list(found)
            for j in range(0, len(uuids), 500):
                tq = select(ResidentTerm.resident_uuid, ResidentTerm.term).where(
                    ResidentTerm.kind == "P", ResidentTerm.resident_uuid.in_(uuids[j : j + 500]))
                for u, term in s.execute(tq):
                    self.keys.add((found[u][1], "p", term))

    def _note(self, birth: str, name: str, phone: str | None, pinyins: Any) -> None:
        self.keys.add((birth, "n", name))
        if phone:
            self.keys.add((birth, "t", phone))
        for p in pinyins:
            self.keys.add((birth, "p", p))

    def clashes(self, doc: dict[str, Any]) -> bool:
        birth = doc["birth_date"]
        if doc.get("id_number") in self.ids:
            return True
        pinyin = primary_pinyin(doc["name"])
        return ((birth, "n", doc["name"]) in self.keys or (pinyin and (birth, "p", pinyin) in self.keys)
                or (doc.get("phone") and (birth, "t", doc["phone"]) in self.keys))  # fmt: skip

    def accept(self, doc: dict[str, Any], pinyins: Sequence[str]) -> None:
        if doc.get("id_number"):
            self.ids.add(doc["id_number"])
        self._note(doc["birth_date"], doc["name"], doc.get("phone"), pinyins)


IMPORT_CACHE_KIB = 64 * 1024


class _Households:
    """residents._household for many rows: a household named by uuid, or by label within the
    village, or a new one (inserted before the residents that point to it)."""

    def __init__(self, s: Session) -> None:
        self.uuids: set[str] = set()
        self.by_label: dict[tuple[str, str], str] = {}
        for uuid, label, village in s.execute(select(Household.uuid, Household.label, Household.village)):
            self.uuids.add(uuid)
            self.by_label.setdefault((label, village), uuid)
        self.new: list[tuple[str, str, str, None, str]] = []

    def get(self, value: str | None, village: str, now: str) -> str | None:
        if not value:
            return None
        if value in self.uuids:
            return value
        found = self.by_label.get((value, village))
        if found is None:
            found = str(uuidlib.uuid4())
            self.by_label[(value, village)] = found
            self.uuids.add(found)
            self.new.append((found, value, village, None, now))
        return found


class _Numbers:
    """Record numbers for one village, handed out as recordno.allocate would, without a query
    per number: the first comes from allocate (which opens a block if needed), the rest from the
    same block while it lasts."""

    def __init__(self, s: Session, area: str, village: str) -> None:
        self.s, self.area, self.village = s, area, village
        self.prefix = area[:9] + village
        self.block: SerialBlock | None = None
        self.taken: set[str] = set()

    def next(self) -> tuple[str, bool]:
        b = self.block
        while b is not None and b.next <= b.last:
            number = f"{self.prefix}{b.next:05d}"
            b.next += 1
            if number not in self.taken:
                return number, b.source == "provisional"
        number, provisional = recordno.allocate(self.s, self.area, self.village)
        serial = int(number[12:])
        self.block = self.s.execute(select(SerialBlock).where(
            SerialBlock.prefix == self.prefix, SerialBlock.first <= serial, SerialBlock.last >= serial,
            SerialBlock.next == serial + 1)).scalars().first()  # fmt: skip
        if self.block is not None:
            q = select(Resident.record_no).where(Resident.record_no > number,
                                                 Resident.record_no <= f"{self.prefix}{self.block.last:05d}")  # fmt: skip
            self.taken = set(self.s.execute(q).scalars())
        return number, provisional


def add_many(s: Session, store: Store, rows: Sequence[dict[str, Any]], *, allow_similar: bool = False
             ) -> list[Added | InvalidInput]:  # fmt: skip
    """Register `rows` in the caller's write transaction; per row an Added or the InvalidInput
    (DuplicateResident included) that residents.add_in raised for it."""
    conn = s.connection()
    # Index pages of random uuids are touched all over a large file: with SQLite's default
    # 2 MB cache each insert re-reads and decrypts them (measured: 24k residents, CPU per row
    # 2.3 -> 1.5 ms, wall 5.0 -> 2.8 ms with 64 MB). Set back afterwards.
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        return _add_many(s, store, rows, allow_similar)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache or -2000)}")


def _add_many(s: Session, store: Store, rows: Sequence[dict[str, Any]], allow_similar: bool
              ) -> list[Added | InvalidInput]:  # fmt: skip
    cleaned = [clean(r) for r in rows]
    ok = [c for c in cleaned if not c.errors]
    seen = _Seen(s, ok)
    out: list[Added | InvalidInput | None] = [None] * len(rows)
    slow: list[int] = []
    numbers: dict[str, _Numbers] = {}
    households = _Households(s)
    user, now = store.user.name, now_iso()
    res_rows: list[dict[str, Any]] = []
    term_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    last = s.execute(select(Audit.seq, Audit.hash).order_by(Audit.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, audit.GENESIS)
    for i, c in enumerate(cleaned):
        village = c.village or store.institution.village
        if c.errors or village == "000" or (not allow_similar and seen.clashes(c.doc)) or (
                allow_similar and c.doc.get("id_number") in seen.ids):  # fmt: skip
            slow.append(i)
            continue
        doc = c.doc
        known = len(households.new)
        household_uuid = households.get(c.household, village, now)
        for h_uuid, label, h_village, _head, _at in households.new[known:]:
            # A new household goes up before the resident naming it (what create_in writes).
            snap = {"label": label, "village": h_village, "head": None}
            h_changes = diff({}, snap)
            changes_json = dumps(h_changes)
            version_rows.append(("household", h_uuid, 1, "create", dumps(snap), changes_json, now, user))
            outbox_rows.append((str(uuidlib.uuid4()), "household", h_uuid, "create", None, changes_json,
                                now, user, "pending", 0, None))  # fmt: skip
            seq += 1
            row, prev = _audit_row(seq, prev, now, user, "household", h_uuid, sorted(h_changes))
            audit_rows.append(row)
        gen = numbers.get(village) or numbers.setdefault(village, _Numbers(s, store.institution.area, village))
        number, provisional = gen.next()
        r = SimpleNamespace(
            uuid=str(uuidlib.uuid4()), record_no=number, provisional=provisional, name=doc["name"],
            sex=doc["sex"], birth_date=doc["birth_date"], id_number=doc.get("id_number"),
            phone=doc.get("phone"), address=doc.get("address"), village=village,
            household_uuid=household_uuid, status="active", status_date=None, status_reason=None,
            merged_into=None, tags=residents.compute_tags(doc, set()),
            doc=json.dumps(doc, ensure_ascii=False), edition=forms.CURRENT_EDITION, rev=1,
            created_at=now, updated_at=now, created_by=user, updated_by=user,
        )  # fmt: skip
        res_rows.append(tuple(getattr(r, col) for col in _COLUMNS[Resident]))
        terms = search.terms_for(r.name, r.id_number, r.record_no, r.phone)
        term_rows += [(k, t, r.uuid) for k, t in terms]
        snap = residents.snapshot(r)  # type: ignore[arg-type]
        changes = diff({}, snap)
        changes_json = dumps(changes)
        version_rows.append(("resident", r.uuid, 1, "create", dumps(snap), changes_json, now, user))
        outbox_rows.append((str(uuidlib.uuid4()), "resident", r.uuid, "create", None, changes_json,
                            now, user, "pending", 0, None))  # fmt: skip
        seq += 1
        row, prev = _audit_row(seq, prev, now, user, "resident", r.uuid, sorted(changes))
        audit_rows.append(row)
        seen.accept(doc, [t for k, t in terms if k == "P"])
        out[i] = Added(r.uuid, number, r.name, r.birth_date, r.id_number)
    s.flush()  # serial blocks first
    conn = s.connection()
    for model, batch in ((Household, households.new), (Resident, res_rows), (ResidentTerm, term_rows), (Version, version_rows),
                         (Outbox, outbox_rows), (Audit, audit_rows)):  # fmt: skip
        if batch:  # straight to the driver: SQLAlchemy's per-parameter processing costs more
            conn.exec_driver_sql(_INSERT[model], batch)
    for i in slow:  # the unusual rows take the ordinary path, with its checks and messages
        try:
            r = residents.add_in(s, store, rows[i], allow_similar=allow_similar)
            out[i] = Added(r.uuid, r.record_no, r.name, r.birth_date, r.id_number)
        except InvalidInput as e:
            out[i] = e
    return out  # type: ignore[return-value]


def _audit_row(seq: int, prev: str, now: str, user: str, entity: str, uuid: str,
               fields: list[str]) -> tuple[tuple[Any, ...], str]:  # fmt: skip
    """The chained audit entry record_change writes for a create, and its hash."""
    entry = SimpleNamespace(seq=seq, at=now, user=user, action="create", entity=entity, entity_uuid=uuid,
                            detail=json.dumps({"rev": 1, "fields": fields}, ensure_ascii=False,
                                              sort_keys=True), prev_hash=prev)  # fmt: skip
    entry.hash = audit._digest(prev, entry)  # type: ignore[arg-type]
    return tuple(getattr(entry, col) for col in _COLUMNS[Audit]), entry.hash


_COLUMNS: dict[type, list[str]] = {
    Household: ["uuid", "label", "village", "head_uuid", "created_at"],
    Resident: [c.name for c in Resident.__table__.columns],
    ResidentTerm: ["kind", "term", "resident_uuid"],
    Version: ["entity", "entity_uuid", "rev", "action", "data", "changes", "at", "user"],
    Outbox: ["mutation_id", "entity", "entity_uuid", "op", "base_rev", "changes", "created_at", "user",
             "state", "attempts", "last_error"],
    Audit: [c.name for c in Audit.__table__.columns],
}  # fmt: skip
_INSERT = {
    model: f'INSERT INTO {model.__tablename__} ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
           f'VALUES ({", ".join("?" * len(cols))})'
    for model, cols in _COLUMNS.items()
}  # fmt: skip
