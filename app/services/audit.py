"""The append-only, hash-chained audit log: who did what, when (never personal data in detail).
The chain itself lives in app.db.audit_chain; this module adds what needs an opened store."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.db.audit_chain import ACTIONS, GENESIS, READ_ACTIONS, append, verify_chain
from app.db.models import Audit

if TYPE_CHECKING:
    from app.store import Store

__all__ = ["ACTIONS", "GENESIS", "READ_ACTIONS", "append", "entries", "log", "verify_chain"]


def log(
    store: Store,
    action: str,
    entity: str | None = None,
    entity_uuid: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    with store.session(write=True) as s:
        append(s, store.user.name, action, entity, entity_uuid, detail)


def entries(store: Store, since: str | None = None) -> list[dict[str, Any]]:
    with store.session() as s:
        q = select(Audit).order_by(Audit.seq)
        if since:
            q = q.where(Audit.at >= since)
        return [
            {
                "seq": r.seq,
                "at": r.at,
                "user": r.user,
                "action": r.action,
                "entity": r.entity,
                "entity_uuid": r.entity_uuid,
                "detail": json.loads(r.detail),
                "hash": r.hash,
            }
            for r in s.execute(q).scalars()
        ]
