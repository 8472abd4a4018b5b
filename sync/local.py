"""The client's side of the local store: what the server sends goes to the writer (app/repo) with
the origin "pull" (no outbox rows), unsent local edits kept on top; and the bookkeeping the drift
check needs."""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import (
    Activity,
    Conflict,
    Household,
    Outbox,
    Record,
    Resident,
    SyncEntity,
    SyncState,
)
from app.repo import Origin, activities, households, records, residents
from app.services.changes import dumps
from sync.merge import set_path
from sync.protocol import state_digest, state_item_hash

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


def local_state(s: Session, kind: str, uuid: str) -> dict[str, Any] | None:
    if kind == "resident":
        r = s.get(Resident, uuid)
        return residents.snapshot(r) if r else None
    if kind == "household":
        h = s.get(Household, uuid)
        return households.snapshot(h) if h else None
    if kind == "activity":
        a = s.get(Activity, uuid)
        return activities.snapshot(a) if a else None
    rec = s.get(Record, uuid)
    return records.snapshot(rec) if rec else None


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


# -- writing what the server sent -------------------------------------------------------------


def apply_item(s: Session, item: dict[str, Any], has_unsent: bool | None = None) -> bool:
    """Apply one pulled/snapshot item; returns True if local data changed. `has_unsent` False:
    the caller knows no local edit of it waits to be sent (one query for a page, not one
    per item)."""
    kind = item["kind"]
    if kind == "conflict":
        return _apply_conflict(s, item["data"])
    if item.get("op") == "exit":
        _mark_stub(s, item["uuid"], kind)
        return True
    data = dict(item["data"])
    data.pop("provisional", None)
    state = data if has_unsent is False else _rebased(data, unsent(s, item["uuid"]))
    if kind == "resident":  # the server's former names, sent beside the state (feed.entity_item)
        state["former_names"] = item.get("former_names")
    writer = {"resident": residents, "household": households, "activity": activities}.get(kind, records)
    changed = bool(writer.apply(s, item["uuid"], state, Origin.pull(), action="sync"))
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
        set_state(
            s,
            f"conflict_from:{d['id']}",
            {"mine": d.get("mine_from"), "theirs": d.get("theirs_from")},
        )
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


def held_back(s: Session, rows: list[Outbox]) -> list[Outbox]:
    """The edits of `rows` made on this device after their resident moved to another clinic's
    jurisdiction (two queries for the lot, not two per row)."""
    recs = [r.entity_uuid for r in rows if r.entity == "record"]
    owner: dict[str, str] = {}
    if recs:
        for u, ru in s.execute(
            select(Record.uuid, Record.resident_uuid).where(Record.uuid.in_(recs))
        ):
            owner[u] = ru
    resident = {r.device_seq: owner.get(r.entity_uuid) or r.entity_uuid for r in rows}
    keys = {f"stub:{u}" for u in resident.values()}
    markers = {
        k: json.loads(v)
        for k, v in s.execute(select(SyncState.key, SyncState.value).where(SyncState.key.in_(keys)))
    } if keys else {}  # fmt: skip
    out = []
    for r in rows:
        marker = markers.get(f"stub:{resident[r.device_seq]}")
        if marker is not None and r.device_seq > marker:
            out.append(r)
    return out
