"""What every saved change writes beside its row, in the same transaction, as its origin asks:
a version (history), an outbox row (sync) and an audit entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Outbox, Version
from app.ids import time_ordered_uuid
from app.repo.origin import Applied, Origin
from app.services import audit
from app.services.changes import diff, dumps, version_changes


def write(
    s: Session,
    origin: Origin,
    *,
    entity: str,
    uuid: str,
    rev: int,
    action: str,
    snapshot: dict[str, Any],
    changes: dict[str, dict[str, Any]],
    op: str,
    at: str | None = None,
    audit_detail: dict[str, Any] | None = None,
    version: bool = True,
) -> Applied:
    """`version=False`: no new revision (a resolution that keeps what this device holds still
    tells the server and the audit log)."""
    at = at or now_iso()
    changes_json = dumps(changes)
    if version:
        s.add(Version(entity=entity, entity_uuid=uuid, rev=rev, action=action, data=dumps(snapshot),
                      changes=version_changes(rev == 1 and changes == diff({}, snapshot), changes_json),
                      at=at, user=origin.author))  # fmt: skip
    if origin.queued:
        s.add(Outbox(mutation_id=time_ordered_uuid(), entity=entity, entity_uuid=uuid, op=op,
                     changes=changes_json, created_at=at, user=origin.author,
                     state="pending", attempts=0, resolves=origin.resolves))  # fmt: skip
    if origin.audited:
        detail: dict[str, Any] = {"rev": rev, "fields": sorted(changes)}
        detail.update(audit_detail or {})
        audit.append(s, origin.user, origin.audit_action or action, entity, uuid, detail, at=at)
    return Applied(entity, uuid, rev, action, tuple(sorted(changes)), rev == 1, changes)


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal states; an absent key and a null value mean the same (changes omit unset fields)."""
    return {k: v for k, v in a.items() if v is not None} == {
        k: v for k, v in b.items() if v is not None
    }
