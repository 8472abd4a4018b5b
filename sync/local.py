"""The client's side of the local store: writing what the server sends without creating outbox
rows, keeping unsent local edits on top, and the bookkeeping the drift check needs."""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import forms
from app.clock import now_iso
from app.db.models import (
    Conflict,
    Household,
    Outbox,
    Record,
    Redirect,
    Resident,
    SyncEntity,
    SyncState,
    Version,
)
from app.services import households
from app.services.changes import diff, dumps
from app.services.residents import _write_terms, compute_tags, forms_of, snapshot
from sync.merge import set_path
from sync.protocol import state_digest, state_item_hash

RESIDENT_ONLY = ("village", "household", "status", "status_date", "status_reason", "merged_into",
                 "record_no")  # fmt: skip
RECORD_ONLY = ("resident", "form", "edition")
SYNC_USER = "sync"


# -- key/value state ---------------------------------------------------------------------------


def get_state(s: Session, key: str, default: Any = None) -> Any:
    row = s.get(SyncState, key)
    return json.loads(row.value) if row else default


def set_state(s: Session, key: str, value: Any) -> None:
    if value is None:
        row = s.get(SyncState, key)
        if row is not None:
            s.delete(row)
        return
    s.merge(SyncState(key=key, value=json.dumps(value, ensure_ascii=False)))


# -- current local state -----------------------------------------------------------------------


def record_snapshot(rec: Record) -> dict[str, Any]:
    snap = dict(json.loads(rec.doc))
    snap.update(resident=rec.resident_uuid, form=rec.form, edition=rec.edition)
    return snap


def local_state(s: Session, kind: str, uuid: str) -> dict[str, Any] | None:
    if kind == "resident":
        r = s.get(Resident, uuid)
        return snapshot(r) if r else None
    if kind == "household":
        h = s.get(Household, uuid)
        return households.snapshot(h) if h else None
    rec = s.get(Record, uuid)
    return record_snapshot(rec) if rec else None


def unsent(s: Session, uuid: str) -> list[Outbox]:
    return list(
        s.scalars(
            select(Outbox)
            .where(Outbox.entity_uuid == uuid, Outbox.state.in_(("pending", "quarantined")))
            .order_by(Outbox.device_seq)
        )
    )


def _rebased(data: dict[str, Any], pending: list[Outbox]) -> dict[str, Any]:
    """The server's state with this device's unsent edits laid over it: they are not lost, and
    the server merges them (or opens a conflict) when they are pushed."""
    state = copy.deepcopy(data)
    for row in pending:
        for key, fc in json.loads(row.changes).items():
            set_path(state, key, fc.get("new"))
    return state


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal states; an absent key and a null value mean the same (changes omit unset fields)."""
    return {k: v for k, v in a.items() if v is not None} == {
        k: v for k, v in b.items() if v is not None
    }


# -- writing what the server sent -------------------------------------------------------------


def apply_item(s: Session, item: dict[str, Any]) -> bool:
    """Apply one pulled/snapshot item; returns True if local data changed."""
    kind = item["kind"]
    if kind == "conflict":
        return _apply_conflict(s, item["data"])
    if item.get("op") == "exit":
        _mark_stub(s, item["uuid"], kind)
        return True
    data = dict(item["data"])
    data.pop("provisional", None)
    state = _rebased(data, unsent(s, item["uuid"]))
    if kind == "resident":
        changed = write_resident(s, item["uuid"], state, action="sync")
    elif kind == "household":
        changed = write_household(s, item["uuid"], state, action="sync")
    else:
        if s.get(Resident, state.get("resident")) is None:
            raise LookupError(f"record {item['uuid']} arrived before its resident")
        changed = write_record(s, item["uuid"], state, action="sync")
    row = s.get(SyncEntity, item["uuid"])
    if row is not None and row.stub:
        set_state(s, f"stub:{item['uuid']}", None)  # back in this clinic's jurisdiction
    h = state_item_hash(item["uuid"], item["rev"])
    if row is None:
        s.add(
            SyncEntity(
                uuid=item["uuid"], kind=kind, rev=item["rev"], area=item["area"], stub=False, h=h
            )
        )
    else:
        row.rev, row.area, row.stub, row.h = item["rev"], item["area"], False, h
    return changed


def _mark_stub(s: Session, uuid: str, kind: str) -> None:
    """The entity left this clinic's jurisdiction: keep it, read-only, with what was recorded.
    Edits queued before this moment still go up; later ones are held back (see client)."""
    if kind == "resident":
        last = s.scalar(select(func.max(Outbox.device_seq))) or 0
        set_state(s, f"stub:{uuid}", last)
    s.execute(update(SyncEntity).where(SyncEntity.uuid == uuid).values(stub=True))
    if kind == "resident":
        records = select(Record.uuid).where(Record.resident_uuid == uuid)
        s.execute(update(SyncEntity).where(SyncEntity.uuid.in_(records)).values(stub=True))


def is_stub(s: Session, uuid: str) -> bool:
    row = s.get(SyncEntity, uuid)
    return bool(row and row.stub)


def _household(s: Session, value: Any, village: str) -> str | None:
    if not value:
        return None
    if s.get(Household, value) is None:
        # Its household has not arrived (it comes later in the feed, or lies in a village this
        # device does not see): keep the link with a placeholder, overwritten when it arrives.
        s.add(Household(uuid=value, label=households.placeholder_label(value), village=village,
                        created_at=now_iso()))  # fmt: skip
        s.flush()
    return value


def write_household(s: Session, uuid: str, state: dict[str, Any], *, action: str) -> bool:
    """The server's household (with unsent local edits on top); a placeholder becomes real."""
    state = {k: state.get(k) for k in ("label", "village", "head")}
    h = s.get(Household, uuid)
    before = households.snapshot(h) if h else {}
    if h is not None and same(before, state):
        return False
    if h is None:
        h = Household(uuid=uuid, created_at=now_iso())
    h.label = state.get("label") or h.label or households.placeholder_label(uuid)
    h.village = state.get("village") or h.village
    h.head_uuid = state.get("head")
    s.add(h)
    s.flush()
    after = households.snapshot(h)
    s.add(Version(entity="household", entity_uuid=uuid, rev=households.next_rev(s, uuid),
                  action=action, data=dumps(after), changes=dumps(diff(before, after)),
                  at=now_iso(), user=SYNC_USER))  # fmt: skip
    return True


def write_resident(s: Session, uuid: str, state: dict[str, Any], *, action: str) -> bool:
    r = s.get(Resident, uuid)
    before = snapshot(r) if r else {}
    if r is not None and same(before, state):
        return False
    doc = {k: v for k, v in state.items() if k not in RESIDENT_ONLY}
    now = now_iso()
    if r is None:  # added to the session once filled in (queries below autoflush)
        r = Resident(uuid=uuid, edition=forms.CURRENT_EDITION, rev=0, created_at=now,
                     created_by=SYNC_USER, tags="")  # fmt: skip
    id_number = doc.get("id_number") or None
    if id_number:
        other = s.scalar(
            select(Resident.uuid).where(Resident.id_number == id_number, Resident.uuid != uuid)
        )
        if other is not None:
            id_number = None  # two records of one person: the document keeps the number
    record_no = state.get("record_no") or r.record_no
    holder = s.scalar(
        select(Resident).where(Resident.record_no == record_no, Resident.uuid != uuid)
    )
    if holder is not None:
        # Our own not-yet-confirmed number collides with the server's: ours gets replaced.
        holder.record_no, holder.provisional = f"P{holder.uuid.replace('-', '')[:16]}", True
        s.flush()
    r.record_no, r.provisional = record_no, False
    r.name, r.sex, r.birth_date = (
        doc.get("name", ""),
        doc.get("sex", "0"),
        doc.get("birth_date", ""),
    )
    r.id_number, r.phone, r.address = id_number, doc.get("phone"), doc.get("address")
    r.village = state.get("village") or r.village
    r.household_uuid = _household(s, state.get("household"), r.village)
    r.status = state.get("status") or "active"
    r.status_date, r.status_reason = state.get("status_date"), state.get("status_reason")
    r.merged_into = state.get("merged_into")
    r.doc = json.dumps(doc, ensure_ascii=False)
    r.rev = (r.rev or 0) + 1
    r.updated_at, r.updated_by = now, SYNC_USER
    s.add(r)
    s.flush()
    r.tags = compute_tags(doc, forms_of(s, uuid))
    _write_terms(s, r)
    if r.merged_into:
        s.merge(Redirect(old_uuid=uuid, new_uuid=r.merged_into, at=now))
    elif s.get(Redirect, uuid) is not None:
        s.delete(s.get(Redirect, uuid))
    after = snapshot(r)
    s.add(Version(entity="resident", entity_uuid=uuid, rev=r.rev, action=action, data=dumps(after),
                  changes=dumps(diff(before, after)), at=now, user=SYNC_USER))  # fmt: skip
    return True


def write_record(s: Session, uuid: str, state: dict[str, Any], *, action: str) -> bool:
    rec = s.get(Record, uuid)
    before = record_snapshot(rec) if rec else {}
    if rec is not None and same(before, state):
        return False
    doc = {k: v for k, v in state.items() if k not in RECORD_ONLY}
    now = now_iso()
    if rec is None:
        rec = Record(uuid=uuid, rev=0, status="final", created_at=now, created_by=SYNC_USER)
    previous_owner = rec.resident_uuid
    rec.resident_uuid, rec.form = state["resident"], state.get("form", "")
    rec.edition = state.get("edition") or forms.CURRENT_EDITION
    rec.visit_date = doc.get("visit_date")
    rec.doc = json.dumps(doc, ensure_ascii=False)
    rec.rev = (rec.rev or 0) + 1
    rec.updated_at, rec.updated_by = now, SYNC_USER
    s.add(rec)
    s.flush()
    for owner in {previous_owner, rec.resident_uuid} - {None}:
        resident = s.get(Resident, owner)
        if resident is not None:
            resident.tags = compute_tags(json.loads(resident.doc), forms_of(s, owner))
    after = record_snapshot(rec)
    s.add(Version(entity="record", entity_uuid=uuid, rev=rec.rev, action=action, data=dumps(after),
                  changes=dumps(diff(before, after)), at=now, user=SYNC_USER))  # fmt: skip
    return True


def _apply_conflict(s: Session, d: dict[str, Any]) -> bool:
    row = s.get(Conflict, d["id"])
    if row is None:
        row = Conflict(id=d["id"], created_at=now_iso())
        s.add(row)
    row.entity, row.entity_uuid, row.field = d["entity"], d["entity_uuid"], d["field"]
    row.original, row.mine, row.theirs = dumps(d["original"]), dumps(d["mine"]), dumps(d["theirs"])
    if d["status"] == "resolved" and row.status != "resolved":
        row.resolved_at = now_iso()
    row.status = d["status"]
    if d.get("mine_from") or d.get("theirs_from"):  # who each value is from: sync/conflict_sources
        set_state(s, f"conflict_from:{d['id']}", {"mine": d.get("mine_from"), "theirs": d.get("theirs_from")})
    return True


# -- drift check -------------------------------------------------------------------------------


def local_digest(s: Session) -> dict[str, Any]:
    """Count and hash of what this device holds, added up by SQL over the stored per-entity hashes
    (a no-op sync stays one cheap query even with a township's 250,000 entities)."""
    count, total = s.execute(
        select(func.count(), func.coalesce(func.sum(SyncEntity.h), 0)).where(
            SyncEntity.stub.is_(False)
        )
    ).one()
    return state_digest(count, int(total))


def held_back(s: Session, row: Outbox) -> bool:
    """An edit made on this device after its resident moved to another clinic's jurisdiction."""
    resident = row.entity_uuid
    if row.entity == "record":
        rec = s.get(Record, row.entity_uuid)
        resident = rec.resident_uuid if rec else resident
    marker = get_state(s, f"stub:{resident}")
    return marker is not None and row.device_seq > marker
