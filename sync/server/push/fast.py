"""The push fast path for the common batch: nothing but new residents and records. Each change is
validated first (a bad one is rejected alone, nothing written for it), then the lot is written
with one flush instead of a savepoint and a flush per change. Anything unexpected sends the
batch back to the change-by-change path (see push_changes)."""

from __future__ import annotations

from typing import Any

from sync.protocol import ChangeResult, ProtocolError, parse_change
from sync.server import feed, numbers
from sync.server.models import AppliedMutation
from sync.server.push.errors import Rejected
from sync.server.push.pusher import Pusher


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
    results: list[dict[str, Any] | None] = []
    built = []
    for raw in raw_changes:
        ch = parse_change(raw)
        try:
            e, provisional, redirect_to = p.build_create(ch)
        except Rejected as r:
            results.append({**ChangeResult(ch.mutation_id, "rejected", ch.entity_uuid, r.reason).to_json(),
                            "code": r.code})  # fmt: skip
            continue
        if e.kind == "resident":
            p.pending[e.uuid] = e
        built.append((len(results), ch, e, provisional, redirect_to))
        results.append(None)
    replaced = numbers.keep_or_draw(
        p.session, p.device.id, [(e, prov) for _, _, e, prov, _ in built if e.kind == "resident"]
    )
    for slot, ch, e, _prov, redirect_to in built:
        feed.set_origin(p.session, p.origin(ch))
        e.seq = feed.publish(p.session, p.seq, e, new=True)
        p.session.add(e)
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
