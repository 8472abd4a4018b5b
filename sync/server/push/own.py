"""Which feed rows a push may mark as its device's own (skip_own: the device holds them and need
not pull them back)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.server.models import Entity, Feed


def clean(change: dict[str, Any], result: dict[str, Any]) -> bool:
    """Applied exactly as sent: a create, or an update on the very revision the device had."""
    exact = change.get("op") == "create" or (
        isinstance(change.get("base_rev"), int) and change["base_rev"] + 1 == result.get("rev")
    )
    return result.get("result") == "applied" and exact


def mark_own(s: Session, device_id: str, raw: list[Any], results: list[dict[str, Any]]) -> None:
    """Feed rows of the entities this push applied exactly as sent carry the device: it holds
    them already and skips them when it pulls (skip_own). Exactly as sent: a create, or an
    update on the very revision the device had. Anything merged, in conflict, redirected or
    rejected stays unmarked and comes back to it."""
    sent = {c["mutation_id"]: c for c in raw
            if isinstance(c, dict) and isinstance(c.get("mutation_id"), str)}  # fmt: skip
    ok: dict[str, bool] = {}
    for r in results:
        u, change = r.get("entity_uuid"), sent.get(str(r.get("mutation_id")), {})
        if isinstance(u, str):
            ok[u] = ok.get(u, True) and clean(change, r)
    own = [u for u, good in ok.items() if good]
    for i in range(0, len(own), 500):
        part = own[i : i + 500]
        current = select(Entity.seq).where(Entity.uuid == Feed.uuid).scalar_subquery()
        s.execute(
            update(Feed)
            .where(Feed.uuid.in_(part), Feed.op == "upsert", Feed.seq == current)
            .values(device_id=device_id)
            .execution_options(synchronize_session=False)
        )
