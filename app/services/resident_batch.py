"""Registering residents: the one code path that inserts new residents, for one (the register
form, `cunyi resident add`) or for thousands (import, the demo clinic).

`register(s, store, rows)` runs in the caller's write transaction and returns, per row and in
order, a `Registered` or the `InvalidInput` (`DuplicateResident` included) that refuses it. The
rows behave as if registered one after another: each is checked against the stored residents and
against the rows accepted before it in the same call. Per resident it writes the resident row,
its search terms, version 1 and an outbox "create" (what sync sends); the call writes one audit
entry: the resident itself when it registered one, else how many (an import is audited as one
action per batch, not 50,000 entries that would bury every other event in the audit view).

Everything is fetched and written per call, not per row: duplicates are looked up through the
ID-number and birth-date indexes for a whole batch at once, and the rows are inserted with one
executemany per table (the ORM's per-object bookkeeping cost more than the inserts). A caller
that registers many residents should pass them in batches of a few thousand: with fewer, larger
transactions each index page is written once per batch rather than once per resident (see
docs/decisions/backup-and-import.md for the figures).

This is for residents registered here: it writes outbox rows, which sync sends to the server.
Residents pulled from the server must not get them (sync/bulk.py inserts those); both insert
through the writer's batch entry, app/repo/batch.py, whose Origin decides that.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.orm import Session

import forms
from app import recordno, search
from app.clock import now_iso
from app.errors import DuplicateResident, InvalidInput
from app.ids import time_ordered_uuid
from app.repo import Origin, batch
from app.repo.batch import HouseholdRow, OutboxRow, ResidentRow, VersionRow
from app.services import audit, family
from app.services.changes import version_changes
from app.services.resident_input import err
from app.services.resident_prep import (  # noqa: F401 - compute_tags is used through this module
    SIMILAR_KINDS,
    Prepared,
    compute_tags,
    joined,
    prepare_rows,
)

if TYPE_CHECKING:
    from app.store import Store

CHUNK = 500  # values per IN (...) list: SQLite's parameter limit is 32,766, keep statements small
# What `cunyi resident find` lists per resident (residents.SUMMARY_KEYS is this tuple)
SUMMARY_KEYS = ("uuid", "record_no", "name", "sex", "birth_date", "id_number", "phone", "village",
                "status")  # fmt: skip


class Registered(NamedTuple):
    uuid: str
    record_no: str
    provisional: bool
    name: str
    birth_date: str
    id_number: str | None


def duplicate_id(other: dict[str, Any]) -> DuplicateResident:
    return DuplicateResident(
        err("id_number", f"已有居民使用此身份证号，档案编号 {other['record_no']}"), [other]
    )


def similar_resident(found: list[dict[str, Any]]) -> DuplicateResident:
    o = found[0]
    return DuplicateResident(
        err("name", f"可能与已有居民重复：{o['name']}（出生日期 {o['birth_date']}，档案编号 "
                    f"{o['record_no']}）；如确认不是同一人，请选择“仍然登记”（--allow-similar）"),
        found,
    )  # fmt: skip


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


_SUMMARY_SQL = ", ".join(f"r.{k}" for k in SUMMARY_KEYS)


Summary = tuple[Any, ...]  # a resident's SUMMARY_KEYS values, made a dict only for a refusal


def _as_dict(summary: Summary) -> dict[str, Any]:
    return dict(zip(SUMMARY_KEYS, summary, strict=True))


class _Taken:
    """ID numbers in use (stored or earlier in this call), with the resident that holds each."""

    def __init__(self, s: Session, numbers: Iterable[str]) -> None:
        self.by_number: dict[str, Summary] = {}
        conn = s.connection()
        for part in _chunks(set(numbers)):
            sql = f"SELECT {_SUMMARY_SQL} FROM resident AS r WHERE r.id_number IN ({_marks(part)})"
            for row in conn.exec_driver_sql(sql, tuple(part)):
                self.by_number[row[5]] = tuple(row)

    def holder(self, number: str | None) -> dict[str, Any] | None:
        found = self.by_number.get(number) if number else None
        return _as_dict(found) if found else None


class _Similar:
    """Residents a row could duplicate: stored ones born on the batch's birth dates (an index
    lookup) keyed by their whole name, whole-name pinyin terms and reversed phone digits (what
    resident_prep.similar_keys looks for), plus the rows accepted earlier in this call."""

    def __init__(self, s: Session, births: Iterable[str]) -> None:
        # (kind, term, birth date) -> residents born that day who have that term
        self.found: dict[tuple[str, str, str], list[Summary]] = defaultdict(list)
        conn = s.connection()
        for part in _chunks(set(births)):
            sql = (f"SELECT {_SUMMARY_SQL}, r.terms FROM resident AS r WHERE r.birth_date IN "
                   f"({_marks(part)}) AND r.status != 'merged' ORDER BY r.record_no")  # fmt: skip
            for *row, terms in conn.exec_driver_sql(sql, tuple(part)):
                # the whole-name pinyin from its list; its name and phone as the row has them
                own = [("N", row[2].strip()), *(("P", v[1:]) for v in json.loads(terms or "[]")
                                                if v[0] == "P")]  # fmt: skip
                if row[6]:
                    own.append(("T", re.sub(r"\D", "", row[6])[::-1]))
                self.add(tuple(row), own)

    def of(self, p: Prepared) -> list[dict[str, Any]]:
        out: dict[str, Summary] = {}
        for kind, term in p.similar_keys:
            for summary in self.found.get((kind, term, p.birth_date), ()):
                out.setdefault(summary[0], summary)
        return [_as_dict(o) for o in out.values()]

    def add(self, summary: Summary, terms: Iterable[tuple[str, str]]) -> None:
        birth = summary[4]
        for kind, term in terms:
            if kind in SIMILAR_KINDS:
                self.found[(kind, term, birth)].append(summary)


class _Households:
    """residents' household rule for many rows: a value naming a household's uuid is that
    household; else the household with that label in the village; else a new one."""

    def __init__(self, s: Session, values: set[str]) -> None:
        self.uuids: set[str] = set()
        self.by_label: dict[tuple[str, str], str] = {}
        self.new: list[HouseholdRow] = []
        conn = s.connection()
        for part in _chunks(values):
            marks = _marks(part)
            sql = (f"SELECT uuid, label, village FROM household WHERE uuid IN ({marks}) "
                   f"OR label IN ({marks}) ORDER BY rowid")  # fmt: skip
            for uuid, label, village in conn.exec_driver_sql(sql, (*part, *part)):
                self.uuids.add(uuid)
                self.by_label.setdefault((label, village), uuid)

    def get(self, value: str | None, village: str, now: str) -> str | None:
        if not value:
            return None
        if value in self.uuids:
            return value
        found = self.by_label.get((value, village))
        if found is None:
            found = self.by_label[(value, village)] = time_ordered_uuid()
            self.new.append(HouseholdRow(found, value, village, None, now))
        return found


def register(s: Session, store: Store, rows: Sequence[dict[str, Any]], *, allow_similar: bool = False
             ) -> list[Registered | InvalidInput]:  # fmt: skip
    """Register `rows` (the keys of `cunyi resident add`) in the caller's write transaction.
    Returns per row a Registered or the InvalidInput refusing it; a refused row writes nothing.
    The caller decides whether a refusal aborts the transaction."""
    rows = [family.with_newborn_name(s, r) for r in rows]
    return register_prepared(s, store, prepare_rows(rows), allow_similar=allow_similar)


def register_prepared(s: Session, store: Store, prep: Sequence[Prepared], *, allow_similar: bool = False
                      ) -> list[Registered | InvalidInput]:  # fmt: skip
    """register() of rows already through resident_prep.prepare (an import prepares them in
    other processes)."""
    out: list[Registered | InvalidInput | None] = [None] * len(prep)
    todo: list[Prepared] = []
    at: list[int] = []
    for i, p in enumerate(prep):
        if p.errors:
            out[i] = InvalidInput(p.errors)
        elif (p.village or store.institution.village) == "000":
            out[i] = InvalidInput(
                err("village", "乡镇卫生院登记居民时须填写其所属村（居）委会代码")
            )
        else:
            todo.append(p)
            at.append(i)
    mothers: dict[int, family.Mother] = {}
    for i, p in zip(list(at), list(todo), strict=True):
        if p.mother:  # a newborn registered from its mother: checked, and in her household
            try:
                mothers[i] = family.check_mother(s, p.mother, p.sex, p.birth_date)
            except InvalidInput as e:
                out[i] = e
                k = at.index(i)
                del at[k], todo[k]
    if not todo:
        return out  # type: ignore[return-value]
    homes = {i: m.household for i, m in mothers.items() if m.household}
    taken = _Taken(s, (p.id_number for p in todo if p.id_number))
    similar = None if allow_similar else _Similar(s, (p.birth_date for p in todo))
    households = _Households(s, {p.household for p in todo if p.household} | set(homes.values()))
    numbers: dict[str, recordno.Numbers] = {}
    user, now = store.user.name, now_iso()
    area, edition = store.institution.area, forms.CURRENT_EDITION
    res_rows: list[ResidentRow] = []
    version_rows: list[VersionRow] = []
    outbox_rows: list[OutboxRow] = []
    fields: list[str] = []
    for i, p in zip(at, todo, strict=True):
        holder = taken.holder(p.id_number)
        if holder is not None:
            out[i] = duplicate_id(holder)
            continue
        if similar is not None and (found := similar.of(p)):
            out[i] = similar_resident(found)
            continue
        village = p.village or store.institution.village
        gen = numbers.get(village) or numbers.setdefault(
            village, recordno.Numbers(s, area, village)
        )
        number, provisional = gen.next()
        uuid = time_ordered_uuid()
        known = len(households.new)
        household = households.get(p.household or homes.get(i), village, now)
        mother = mothers[i].uuid if i in mothers else None
        for h_uuid, label, h_village, _head, _at in households.new[known:]:
            # A new household is queued before the resident naming it (what households.create_in
            # writes for a registration of one): version 1 and an outbox create.
            h_snap = {"label": label, "village": h_village, "head": None}
            h_changes = _compact({k: {"new": v, "old": None} for k, v in h_snap.items() if v is not None})
            version_rows.append(VersionRow("household", h_uuid, 1, "create", _compact(h_snap),
                                           version_changes(True, h_changes), now, user))  # fmt: skip
            outbox_rows.append(OutboxRow(time_ordered_uuid(), "household", h_uuid, "create",
                                         h_changes, now, user, "pending", 0, None))  # fmt: skip
        name, id_number, phone = p.name, p.id_number, p.phone
        res_rows.append(ResidentRow(
            uuid, number, provisional, name, p.sex, p.birth_date, id_number, phone, p.address,
            village, household, "active", None, None, None, p.tags, p.doc_json, edition, 1, now,
            now, user, user, search.pack_with(p.terms, search.record_term(number)), mother,
        ))  # fmt: skip
        # residents.snapshot of the new row: the document plus the resident-level state
        state_json, changes_json = _state_json(village, household, number, mother)
        changes_json = joined(p.doc_changes, changes_json)
        version_rows.append(VersionRow("resident", uuid, 1, "create", joined(p.doc_json, state_json),
                                       version_changes(True, changes_json), now, user))  # fmt: skip
        outbox_rows.append(OutboxRow(time_ordered_uuid(), "resident", uuid, "create", changes_json,
                                     now, user, "pending", 0, None))  # fmt: skip
        if len(todo) == 1:  # the audit entry of a single registration names its fields
            fields = sorted(json.loads(changes_json))
        summary = (uuid, number, name, p.sex, p.birth_date, id_number, phone, village, "active")
        if id_number:
            taken.by_number[id_number] = summary
        if similar is not None:
            similar.add(summary, p.similar_terms)
        out[i] = Registered(uuid, number, provisional, name, p.birth_date, id_number)
    if res_rows:
        for gen in numbers.values():
            gen.save()
        batch.insert(s, Origin("import", user), households=households.new, residents=res_rows,
                     versions=version_rows, outbox=outbox_rows)  # fmt: skip
        for h_uuid, *_ in households.new if len(res_rows) == 1 else ():
            audit.append(s, user, "create", "household", h_uuid,
                         {"rev": 1, "fields": ["label", "village"]}, at=now)  # fmt: skip
        if len(res_rows) == 1:
            audit.append(s, user, "create", "resident", res_rows[0].uuid, {"rev": 1, "fields": fields},
                         at=now)  # fmt: skip
        else:
            detail = {"count": len(res_rows), "households": len(households.new)}
            audit.append(s, user, "create", "resident", None, detail, at=now)
    return out  # type: ignore[return-value]


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SAFE = re.compile(r"^[0-9a-f-]*$")  # digits and uuids: nothing in them needs escaping in JSON


def _state_json(village: str, household: str | None, number: str,
                mother: str | None = None) -> tuple[str, str]:  # fmt: skip
    """The JSON of a new resident's state as residents.snapshot has it (village, household,
    status "active", no status date/reason, not merged, record number, mother) and of its changes from
    nothing. Written out rather than encoded: the JSON encoder for these two small objects was
    a tenth of the writer's time in an import; a test compares both with json.dumps."""
    if not (_SAFE.match(village) and _SAFE.match(household or "") and _SAFE.match(number)
            and _SAFE.match(mother or "")):
        state = {"village": village, "household": household, "status": "active", "status_date": None,
                 "status_reason": None, "merged_into": None, "record_no": number, "mother": mother}  # fmt: skip
        return _compact(state), _compact({k: {"new": v, "old": None} for k, v in state.items()
                                          if v is not None})  # fmt: skip
    home = f'"{household}"' if household else "null"
    mum = f'"{mother}"' if mother else "null"
    state_json = (f'{{"village":"{village}","household":{home},"status":"active","status_date":null,'
                  f'"status_reason":null,"merged_into":null,"record_no":"{number}","mother":{mum}}}')  # fmt: skip
    changes = f'{{"village":{{"new":"{village}","old":null}},'
    if household:
        changes += f'"household":{{"new":"{household}","old":null}},'
    changes += f'"status":{{"new":"active","old":null}},"record_no":{{"new":"{number}","old":null}}'
    if mother:
        changes += f',"mother":{{"new":"{mother}","old":null}}'
    changes += "}"
    return state_json, changes


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))
