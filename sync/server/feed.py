"""The pull side: feed rows in commit order, pull pages, resumable snapshot, drift-check state."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, delete, insert, select, tuple_
from sqlalchemy.orm import Session

from sync.protocol import STATE_MOD, RawJSON, state_digest, state_item_hash
from sync.server.db import SeqAllocator
from sync.server.models import (
    AreaState,
    Conflict,
    Counter,
    Entity,
    EntityVersion,
    Feed,
    utcnow,
)
from sync.server.scope import Scope


def touch(
    session: Session,
    seq: SeqAllocator,
    kind: str,
    uuid: str,
    area: str,
    op: str = "upsert",
    new: bool = False,
) -> int:
    """Put (kind, uuid) at the head of `area`'s feed; one row per (uuid, area) keeps it compact."""
    n = seq.next()
    row = {"seq": n, "kind": kind, "uuid": uuid, "area": area, "township": area[:9], "op": op}
    b = session.info.get(_BATCH)
    if b is not None:
        if not new:
            b.stale.append((uuid, area))
        b.feed.append(row)
        return n
    if not new:
        session.execute(delete(Feed).where(Feed.uuid == uuid, Feed.area == area))
    session.add(Feed(**row))
    return n


_BATCH = "feed_batch"


@dataclass
class _Batch:
    stale: list[tuple[str, str]] = field(default_factory=list)
    feed: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    # Entities whose new feed row carries the pushing device (it holds them: skip_own).
    own: set[str] = field(default_factory=set)
    areas: dict[str, AreaState] = field(default_factory=dict)


@contextlib.contextmanager
def batched(session: Session, device_id: str | None = None) -> Iterator[_Batch]:
    """Inside, `touch` and `publish` queue their rows instead of writing them; when the block
    ends without an error they are written in a few statements for the lot (the push's batched
    path: one DELETE of the superseded feed rows, one INSERT each of feed rows and versions,
    instead of three statements per change). On an error nothing queued is written. Queued rows
    are invisible to queries inside the block, so the caller must not touch one (uuid, area)
    twice in it nor read the feed or the history of what it changed there. The uuids put in the
    batch's `own` get `device_id` on their new feed row (what mark_own does after the fact)."""
    b = _Batch()
    session.info[_BATCH] = b
    try:
        yield b
    finally:
        session.info.pop(_BATCH, None)
    for i in range(0, len(b.stale), 500):
        part = b.stale[i : i + 500]
        session.execute(
            delete(Feed).where(tuple_(Feed.uuid, Feed.area).in_(part)),
            execution_options={"synchronize_session": False},
        )
    for row in b.feed:
        own = row["uuid"] in b.own and row["op"] == "upsert" and row["kind"] != "conflict"
        row["device_id"] = device_id if own else None
    if b.feed:
        session.execute(insert(Feed), b.feed)
    if b.versions:
        session.execute(insert(EntityVersion), b.versions)


@dataclass(frozen=True)
class Origin:
    """Who a change came from, for the history: set on the session by the push for each change."""

    device_id: str | None
    user: str | None = None
    mutation_id: str | None = None
    made_at: str | None = None


def set_origin(session: Session, origin: Origin) -> None:
    session.info["origin"] = origin


def publish(session: Session, seq: SeqAllocator, e: Entity, new: bool = False) -> int:
    """The one writer of an entity's change once its state is final: its row at the head of its
    area's feed and a version in its history (values, device, user, time). Returns the sequence
    number, which the caller stores as e.seq."""
    n = touch(session, seq, e.kind, e.uuid, e.area, new=new)
    o = session.info.get("origin") or Origin(None)
    version = {"uuid": e.uuid, "kind": e.kind, "rev": e.rev, "seq": n, "area": e.area,
               "data": dict(e.data), "device_id": o.device_id, "user": o.user,
               "mutation_id": o.mutation_id, "made_at": o.made_at, "at": utcnow()}  # fmt: skip
    b = session.info.get(_BATCH)
    if b is not None:
        b.versions.append(version)
    else:
        session.add(EntityVersion(**version))
    return n


def _area_state(session: Session, area: str) -> AreaState:
    b = session.info.get(_BATCH)
    row = b.areas.get(area) if b is not None else None
    if row is None:
        row = session.get(AreaState, area)
    if row is None:
        row = AreaState(area=area, township=area[:9], count=0, hash=0)
        session.add(row)
    if b is not None:
        b.areas[area] = row  # held: the identity map alone would let it go after a flush
    return row


def state_add(session: Session, area: str, uuid: str, rev: int) -> None:
    row = _area_state(session, area)
    row.count += 1
    row.hash = (row.hash + state_item_hash(uuid, rev)) % STATE_MOD


def state_remove(session: Session, area: str, uuid: str, rev: int) -> None:
    row = _area_state(session, area)
    row.count -= 1
    row.hash = (row.hash - state_item_hash(uuid, rev)) % STATE_MOD


def scope_state(session: Session, scope: Scope) -> dict[str, Any]:
    count, digest = 0, 0
    for row in session.scalars(select(AreaState)):
        if scope.contains(row.area):
            count += row.count
            digest += row.hash
    return state_digest(count, digest)


def entity_item(e: Any, seq: int | None = None, data: Any = None) -> dict[str, Any]:
    """The feed item of `e` (an Entity, or a row with its columns); `data` replaces e.data (a
    snapshot page passes the stored JSON text through as it is). A renamed resident's item
    carries its former names beside its data (the transport key former_names): no stored state
    holds them, and a device that predates them ignores a key of the item, where one in `data`
    would become a field of its form that it then refuses to save."""
    item = {
        "seq": seq if seq is not None else e.seq,
        "kind": e.kind,
        "op": "upsert",
        "uuid": e.uuid,
        "rev": e.rev,
        "area": e.area,
        "merged_into": e.merged_into,
        "data": e.data if data is None else data,
    }
    if e.former_names:
        item["former_names"] = e.former_names
    return item


def conflict_item(c: Conflict, seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "conflict",
        "op": "upsert",
        "uuid": c.id,
        "area": c.area,
        "data": {
            "id": c.id,
            "entity": c.kind,
            "entity_uuid": c.entity_uuid,
            "resident": c.resident_uuid,
            "field": c.path,
            "original": c.original,
            "mine": c.mine,
            "theirs": c.theirs,
            "status": c.status,
            "resolution": c.resolution,
            "mine_from": c.mine_from,
            "theirs_from": c.theirs_from,
        },
    }


def pull(
    session: Session, scope: Scope, cursor: int, limit: int, own: str | None = None
) -> dict[str, Any]:
    """One page of the feed after `cursor`. With `own` (the caller's device id), rows that
    device's own clean pushes made are passed over: it holds them already."""
    rows = list(
        session.scalars(
            select(Feed)
            .where(scope.feed_filter(), Feed.seq > cursor)
            .order_by(Feed.seq)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    last = rows[limit - 1].seq if has_more else (rows[-1].seq if rows else cursor)
    rows = [r for r in rows[:limit] if own is None or r.device_id != own]
    ids = [r.uuid for r in rows if r.kind != "conflict"]
    entities = (
        {e.uuid: e for e in session.scalars(select(Entity).where(Entity.uuid.in_(ids)))}
        if ids
        else {}
    )
    cids = [r.uuid for r in rows if r.kind == "conflict"]
    conflicts = (
        {c.id: c for c in session.scalars(select(Conflict).where(Conflict.id.in_(cids)))}
        if cids
        else {}
    )
    items: list[dict[str, Any]] = []
    for r in rows:
        if r.kind == "conflict":
            c = conflicts.get(r.uuid)
            if c is not None and scope.contains(c.area):
                items.append(conflict_item(c, r.seq))
            continue
        e = entities.get(r.uuid)
        if e is None:
            continue
        if r.op == "exit":
            if not scope.contains(e.area):
                items.append(
                    {"seq": r.seq, "kind": r.kind, "op": "exit", "uuid": r.uuid, "area": e.area}
                )
        elif scope.contains(e.area):
            items.append(entity_item(e, r.seq))
    # A record whose resident changed later than this page would arrive before its resident:
    # send that resident along (again later, harmlessly) so the client never holds an orphan.
    owners = {
        i["data"].get("resident") for i in items if i["kind"] == "record" and i["op"] == "upsert"
    }
    owners -= {i["uuid"] for i in items if i["kind"] == "resident"}
    if owners:
        ahead = session.scalars(select(Entity).where(Entity.uuid.in_(owners), Entity.seq > last))
        items[:0] = [entity_item(e, last) for e in ahead if scope.contains(e.area)]
    page: dict[str, Any] = {
        "items": items,
        "cursor": last,
        "has_more": has_more,
    }
    if not has_more:
        page["state"] = scope_state(session, scope)
    return page


def current_seq(session: Session) -> int:
    return session.scalar(select(Counter.value).where(Counter.name == "seq")) or 0


def _scoped(q, scope: Scope):  # type: ignore[no-untyped-def]
    if scope.level == "village":
        return q.where(Entity.area == scope.area)
    if scope.level == "township":
        return q.where(Entity.area >= scope.area[:9] + "000", Entity.area <= scope.area[:9] + "999")
    return q


SNAPSHOT_KINDS = ("household", "resident", "record", "activity")


def snapshot(
    session: Session, scope: Scope, after: str, limit: int, as_of: int | None
) -> dict[str, Any]:
    """One page of every entity in scope, kind by kind in SNAPSHOT_KINDS order (households before
    the residents naming them, residents before their records), each kind by uuid. `after` is the
    resume point "kind:uuid" from the last page; `as_of` (fixed by the first page) is the cursor to
    pull from afterwards: anything changed while paging has a higher sequence number."""
    if as_of is None:
        as_of = current_seq(session)
    kind, _, last_uuid = after.partition(":") if after else (SNAPSHOT_KINDS[0], "", "")
    if kind not in SNAPSHOT_KINDS:
        kind, last_uuid = SNAPSHOT_KINDS[0], ""
    items: list[Any] = []
    # Columns, the document as the database's JSON text: no ORM objects, no decode/encode.
    cols = (Entity.seq, Entity.kind, Entity.uuid, Entity.rev, Entity.area, Entity.merged_into,
            Entity.former_names, cast(Entity.data, Text).label("data"))  # fmt: skip
    while True:
        room = limit - len(items)
        q = select(*cols).where(Entity.kind == kind, Entity.uuid > last_uuid).order_by(Entity.uuid)
        rows = list(session.execute(_scoped(q, scope).limit(room + 1)))
        if len(rows) > room:  # more of this kind remain
            items += rows[:room]
            done, resume = False, f"{kind}:{items[-1].uuid}" if items else after
            break
        items += rows
        if kind == SNAPSHOT_KINDS[-1]:
            done, resume = True, f"{kind}:{items[-1].uuid}" if items else after
            break
        kind, last_uuid = SNAPSHOT_KINDS[SNAPSHOT_KINDS.index(kind) + 1], ""
        if len(items) == limit:
            done, resume = False, f"{kind}:"
            break
    page: dict[str, Any] = {
        "as_of": as_of,
        "items": [entity_item(e, data=RawJSON(e.data)) for e in items],
        "after": resume,
        "done": done,
    }
    if not after:
        open_conflicts = session.scalars(select(Conflict).where(Conflict.status == "open"))
        page["conflicts"] = [conflict_item(c, 0) for c in open_conflicts if scope.contains(c.area)]
    return page
