"""The server's push: apply a device's changes. The rest of the server uses only these names.

- `push_changes` applies one request's batch (the batched path for new residents and records
  and plain edits of entities the device holds, else change by change, each in its own
  savepoint);
- `resolve_on_server` turns a person's choice on a conflict into an ordinary change;
- `Rejected` is what a refused change raises (a Chinese reason and a code).

Inside: pusher.py holds the per-change rules (jurisdiction, merge, validation), fast.py the
batched path, both writing through feed.py (the one feed writer) and numbers.py (the one
record-number allocator).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from sync.server import numbers
from sync.server.models import Device
from sync.server.push import fast
from sync.server.push.errors import Rejected
from sync.server.push.own import mark_own
from sync.server.push.pusher import Pusher, resolve_on_server
from sync.server.scope import Scope

__all__ = ["Rejected", "push_changes", "resolve_on_server"]

log = logging.getLogger(__name__)


def push_changes(
    session: Session, device: Device, scope: Scope, raw_changes: list[Any]
) -> list[dict[str, Any]]:
    """The per-change results of one push request, in the order of `raw_changes`. The caller's
    transaction holds the sequence counter locked, so concurrent pushers are serialised. The
    feed rows of what was applied exactly as sent carry the device (mark_own)."""
    p = Pusher(session, device, scope)
    p.prefetch(raw_changes)
    if fast.batchable(p, raw_changes):
        try:
            with session.begin_nested():
                return fast.fast_batch(p, raw_changes)  # marks its own rows as it writes them
        except numbers.Exhausted:  # the one-by-one path rejects just the residents concerned
            p.pending.clear()
            p.prefetch(raw_changes)
        except Exception:  # anything unexpected: redo the batch change by change
            log.exception("push: fast path failed, applying one by one")
            p.pending.clear()
            p.prefetch(raw_changes)
    results = [p.one(raw) for raw in raw_changes]
    mark_own(session, device.id, raw_changes, results)
    return results
