"""What every saved change writes beside itself, in the same transaction: a version (history),
an outbox row (sync) and an audit entry."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Outbox, Version
from app.ids import time_ordered_uuid
from app.services import audit


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def version_changes(action: str, changes_json: str) -> str:
    """What `version.changes` keeps. A create's changes are its whole snapshot again (every
    field from nothing), so the creating version stores "{}" and readers derive them from its
    data (changes_of): the document is not stored twice per version."""
    return "{}" if action == "create" else changes_json


def changes_of(action: str, data: dict[str, Any], stored: str) -> dict[str, dict[str, Any]]:
    """The field changes of a version row (see version_changes)."""
    return diff({}, data) if action == "create" else json.loads(stored)


def versions_of(s: Session, entity_uuid: str) -> list[dict[str, Any]]:
    """Every saved version of a resident or record, oldest first: rev, action, user, time, the
    field changes and the whole state as it was."""
    rows = s.execute(
        select(Version).where(Version.entity_uuid == entity_uuid).order_by(Version.rev, Version.id)
    ).scalars()
    return [
        {"rev": v.rev, "action": v.action, "user": v.user, "at": v.at,
         "changes": changes_of(v.action, data, v.changes), "data": data}
        for v in rows
        for data in (json.loads(v.data),)
    ]  # fmt: skip


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level changes {field: {"old", "new"}} between two flat snapshots."""
    keys = set(old) | set(new)
    return {
        k: {"old": old.get(k), "new": new.get(k)}
        for k in sorted(keys)
        if old.get(k) != new.get(k)
    }


def record_change(
    session: Session,
    *,
    user: str,
    entity: str,
    entity_uuid: str,
    rev: int,
    action: str,
    snapshot: dict[str, Any],
    changes: dict[str, dict[str, Any]],
    op: str,
    base_rev: int | None,
    audit_detail: dict[str, Any] | None = None,
) -> None:
    at = now_iso()
    changes_json = dumps(changes)
    session.add(
        Version(
            entity=entity, entity_uuid=entity_uuid, rev=rev, action=action,
            data=dumps(snapshot), changes=version_changes(action, changes_json), at=at, user=user,
        )
    )  # fmt: skip
    session.add(
        Outbox(
            mutation_id=time_ordered_uuid(), entity=entity, entity_uuid=entity_uuid, op=op,
            base_rev=base_rev, changes=changes_json, created_at=at, user=user, state="pending",
        )
    )  # fmt: skip
    detail = {"rev": rev, "fields": sorted(changes)}
    detail.update(audit_detail or {})
    audit.append(session, user, action, entity, entity_uuid, detail, at=at)
