"""The push's batched path for the common batch: new residents and records, and plain edits of
entities this device holds (no move, merge, change of owner or conflict resolution). Each change
is checked first and a bad one is rejected alone, nothing written for it (every refusal of the
rules happens before a change writes anything); then the lot is written with one flush and a few
statements for the feed and the history, instead of a savepoint and some nine statements per
change. Anything unexpected sends the batch back to the change-by-change path (push_changes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sync.protocol import Change, ChangeResult, ProtocolError, parse_change
from sync.server import feed, numbers
from sync.server.models import AppliedMutation, Entity
from sync.server.push.errors import Rejected
from sync.server.push.own import clean
from sync.server.push.pusher import Pusher, from_client, top_key

PLAIN_OPS = ("update", "status")
# Keys whose change moves an entity, merges it or changes its owner: the one-by-one path.
MOVING = frozenset({"village", "area", "merged_into", "resident"})


def _plain_update(p: Pusher, ch: Change) -> bool:
    if ch.op not in PLAIN_OPS or ch.resolves or p.known is None or ch.entity_uuid not in p.known:
        return False
    if any(top_key(k) in MOVING for k in ch.changes):
        return False
    e = p.session.get(Entity, ch.entity_uuid)  # in the identity map since prefetch
    return (
        e is not None
        and e.kind == ch.entity
        and not e.merged_into
        and p.scope.contains(e.area)  # held by this device's institution: no move to weigh
    )


def batchable(p: Pusher, raw_changes: list[Any]) -> bool:
    """Whether every change of the batch is a new create or a plain update of a distinct entity
    (an entity changed twice in one batch takes the one-by-one path)."""
    if p.known is None or not raw_changes:
        return False
    mids, uuids = set(), set()
    for raw in raw_changes:
        try:
            ch = parse_change(raw)
        except ProtocolError:
            return False
        if ch.mutation_id in p.prior or ch.mutation_id in mids or ch.entity_uuid in uuids:
            return False
        mids.add(ch.mutation_id)
        uuids.add(ch.entity_uuid)
        if ch.op == "create":
            if ch.entity_uuid in p.known:
                return False
        elif not _plain_update(p, ch):
            return False
    return True


def _rejected(ch: Change, r: Rejected) -> dict[str, Any]:
    return {**ChangeResult(ch.mutation_id, "rejected", ch.entity_uuid, r.reason).to_json(),
            "code": r.code}  # fmt: skip


def fast_batch(p: Pusher, raw_changes: list[Any]) -> list[dict[str, Any]]:
    session: Session = p.session
    results: list[dict[str, Any] | None] = []
    built = []
    p.batched = True
    try:
        with feed.batched(session, p.device.id) as batch:
            for raw in raw_changes:
                ch = from_client(parse_change(raw))
                if ch.op == "create":
                    try:
                        e, provisional, redirect_to = p.build_create(ch)
                    except Rejected as r:
                        results.append(_rejected(ch, r))
                        continue
                    if e.kind == "resident":
                        p.pending[e.uuid] = e
                    built.append((len(results), ch, e, provisional, redirect_to))
                    results.append(None)
                    continue
                feed.set_origin(session, p.origin(ch))
                try:
                    res = p.update_held(ch)
                except Rejected as r:
                    results.append(_rejected(ch, r))
                    continue
                out = res.to_json()
                session.add(AppliedMutation(mutation_id=ch.mutation_id, device_id=p.device.id,
                                            result=out))  # fmt: skip
                if clean(raw, out):
                    batch.own.add(ch.entity_uuid)
                results.append(out)
            replaced = numbers.keep_or_draw(
                session,
                p.device.id,
                [(e, prov) for _, _, e, prov, _ in built if e.kind == "resident"],
            )
            for slot, ch, e, _prov, redirect_to in built:
                feed.set_origin(session, p.origin(ch))
                e.seq = feed.publish(session, p.seq, e, new=True)
                session.add(e)
                feed.state_add(session, e.area, e.uuid, e.rev)
                result = ChangeResult(ch.mutation_id, "redirected" if redirect_to else "applied", e.uuid,
                                      redirect_to=redirect_to, rev=e.rev, record_no=replaced.get(e.uuid))  # fmt: skip
                out = result.to_json()
                session.add(AppliedMutation(mutation_id=ch.mutation_id, device_id=p.device.id,
                                            result=out))  # fmt: skip
                if clean(raw_changes[slot], out):
                    batch.own.add(e.uuid)
                results[slot] = out
        session.flush()
    finally:
        p.batched = False
    if p.known is not None:
        p.known.update(e.uuid for _, _, e, _, _ in built)
    p.pending.clear()
    return [r for r in results if r is not None]
