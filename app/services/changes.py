"""History of residents, records and households: the field changes between two snapshots and the
versions read back (app/repo writes them)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Version


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def version_changes(from_nothing: bool, changes_json: str) -> str:
    """What `version.changes` keeps. The changes of an entity's first version made from nothing
    are its whole snapshot again, whatever made it (a registration, an import, a pull): it stores
    "{}" and readers derive them from its data (changes_of), so the document is not stored twice.
    (A first version can start from something: a household placeholder, upgraded when the real
    one arrives, keeps its changes.)"""
    return "{}" if from_nothing else changes_json


def changes_of(rev: int, data: dict[str, Any], stored: str) -> dict[str, dict[str, Any]]:
    """The field changes of a version row (see version_changes)."""
    return diff({}, data) if rev == 1 and stored == "{}" else json.loads(stored)


def versions_of(s: Session, entity_uuid: str) -> list[dict[str, Any]]:
    """Every saved version of a resident or record, oldest first: rev, action, user, time, the
    field changes and the whole state as it was."""
    rows = s.execute(
        select(Version).where(Version.entity_uuid == entity_uuid).order_by(Version.rev, Version.id)
    ).scalars()
    return [
        {"rev": v.rev, "action": v.action, "user": v.user, "at": v.at,
         "changes": changes_of(v.rev, data, v.changes), "data": data}
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
