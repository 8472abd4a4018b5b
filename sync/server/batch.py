"""The push fast path for the common batch: nothing but new residents and records. Each change is
validated first (a bad one is rejected alone, nothing written for it), then the lot is written
with one flush instead of a savepoint and a flush per change. Anything unexpected sends the
batch back to the change-by-change path (see Pusher.push)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sync.protocol import ChangeResult, ProtocolError, parse_change
from sync.server import effects, feed
from sync.server.models import AppliedMutation, Entity, Feed, SerialCounter

if TYPE_CHECKING:
    from sync.server.push import Pusher


def only_new_creates(p: Pusher, raw_changes: list[Any]) -> bool:
    mids, uuids = set(), set()
    for raw in raw_changes:
        try:
            ch = parse_change(raw)
        except ProtocolError:
            return False
        if ch.op != "create" or ch.entity_uuid in (p.known or ()) or ch.mutation_id in p.prior:
            return False
        if ch.mutation_id in mids or ch.entity_uuid in uuids:
            return False
        mids.add(ch.mutation_id)
        uuids.add(ch.entity_uuid)
    return p.known is not None and bool(raw_changes)


def fast_creates(p: Pusher, raw_changes: list[Any]) -> list[dict[str, Any]]:
    from sync.server.push import Rejected

    results: list[dict[str, Any] | None] = []
    built = []
    for raw in raw_changes:
        ch = parse_change(raw)
        try:
            e, provisional, redirect_to = p._build_create(ch)
        except Rejected as r:
            results.append({**ChangeResult(ch.mutation_id, "rejected", ch.entity_uuid, r.reason).to_json(),
                            "code": r.code})  # fmt: skip
            continue
        if e.kind == "resident":
            p.pending[e.uuid] = e
        built.append((len(results), ch, e, provisional, redirect_to))
        results.append(None)
    replaced = assign_numbers(p, [(e, prov) for _, _, e, prov, _ in built if e.kind == "resident"])
    for slot, ch, e, _prov, redirect_to in built:
        e.seq = p.seq.next()
        p.session.add(e)
        p.session.add(
            Feed(seq=e.seq, kind=e.kind, uuid=e.uuid, area=e.area, township=e.area[:9], op="upsert")
        )
        feed.state_add(p.session, e.area, e.uuid, e.rev)
        result = ChangeResult(ch.mutation_id, "redirected" if redirect_to else "applied", e.uuid,
                              redirect_to=redirect_to, rev=e.rev, record_no=replaced.get(e.uuid))  # fmt: skip
        p.session.add(
            AppliedMutation(
                mutation_id=ch.mutation_id, device_id=p.device.id, result=result.to_json()
            )
        )
        results[slot] = result.to_json()
    p.session.flush()
    if p.known is not None:
        p.known.update(e.uuid for _, _, e, _, _ in built)
    p.pending.clear()
    return [r for r in results if r is not None]


def assign_numbers(p: Pusher, entries: list[tuple[Entity, bool]]) -> dict[str, str]:
    """Record numbers for the batch's residents with two queries, not one per resident: keep each
    device number that is well formed, not provisional and free; draw the rest from the counter."""
    s = p.session
    wanted = [e.data.get("record_no") for e, prov in entries if _usable(e, prov)]
    taken = (
        set(s.scalars(select(Entity.record_no).where(Entity.record_no.in_(wanted))))
        if wanted
        else set()
    )
    used: set[str] = set()
    fresh: dict[str, list[Entity]] = defaultdict(list)
    for e, prov in entries:
        no = e.data.get("record_no")
        if _usable(e, prov) and no not in taken and no not in used:
            used.add(no)
            e.record_no = no
            effects.bump_serial(s, e.area, int(no[12:]))
        else:
            fresh[e.area].append(e)
    replaced: dict[str, str] = {}
    for area, ents in fresh.items():
        numbers = _draw(p, area, len(ents))
        for e, no in zip(ents, numbers, strict=True):
            e.record_no = no
            e.data = {**e.data, "record_no": no}
            replaced[e.uuid] = no
    return replaced


def _usable(e: Entity, provisional: bool) -> bool:
    no = e.data.get("record_no")
    return (
        not provisional
        and isinstance(no, str)
        and bool(re.fullmatch(r"\d{17}", no))
        and no[:12] == e.area
    )


def _draw(p: Pusher, area: str, n: int) -> list[str]:
    s = p.session
    row = s.get(SerialCounter, area)
    if row is None:
        row = SerialCounter(area=area, next=1)
        s.add(row)
    out: list[str] = []
    while len(out) < n:
        candidates = [f"{area}{k:05d}" for k in range(row.next, row.next + (n - len(out)) * 2)]
        taken = set(s.scalars(select(Entity.record_no).where(Entity.record_no.in_(candidates))))
        for no in candidates:
            row.next = int(no[12:]) + 1
            if no not in taken:
                out.append(no)
                if len(out) == n:
                    break
    return out
