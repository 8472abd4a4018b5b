"""Resolving a conflict on this device: the chosen value becomes an ordinary local change (with
history and an outbox row that names the conflict), so every installation converges on it."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.clock import now_iso
from app.db.models import Activity, Conflict, Household, Record, Resident
from app.errors import InvalidInput, NotFound
from app.repo import Origin, activities, bookkeep, households, records, residents
from app.services.results import Resolved
from forms.model import FieldError
from sync import conflict_sources, local
from sync.merge import get_path, set_path

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.store import Store


def listing(store: Store, include_resolved: bool = False) -> list[dict[str, Any]]:
    with store.session() as s:
        q = s.query(Conflict).order_by(Conflict.created_at)
        if not include_resolved:
            q = q.filter(Conflict.status == "open")
        out = []
        for c in q:
            resident: str | None = c.entity_uuid
            if c.entity == "record":
                rec = s.get(Record, c.entity_uuid)
                resident = rec.resident_uuid if rec else None
            elif c.entity in ("household", "activity"):
                resident = None
            r = s.get(Resident, resident) if resident else None
            name = r.name if r else None
            if c.entity == "household":
                h = s.get(Household, c.entity_uuid)
                name = f"{h.label}（家庭）" if h else None
            if c.entity == "activity":
                a = s.get(Activity, c.entity_uuid)
                name = f"{json.loads(a.doc).get('topic') or ''}（健康教育活动 {a.visit_date}）" if a else None
            out.append({
                "id": c.id, "resident": resident, "name": name,
                "record_no": r.record_no if r else None, "entity": c.entity, "entity_uuid": c.entity_uuid,
                "field": c.field, "original": json.loads(c.original), "status": c.status,
                **conflict_sources.oriented(s, c),
            })  # fmt: skip
        return out


def _parse(text: str, c: Conflict) -> Any:
    """A typed value from the command line: JSON where the conflicting values are not text,
    so "13500000009" stays a phone number and "120" becomes a number where numbers are stored."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    samples = [json.loads(x) for x in (c.mine, c.theirs, c.original)]
    if any(isinstance(x, str) for x in samples) and not isinstance(value, str):
        return text
    return value


def resolve(
    store: Store,
    conflict_id: str,
    *,
    take: str | None = None,
    value: Any = None,
    value_text: str | None = None,
) -> Resolved:
    if value_text is not None:
        value = value_text
    if (take is None) == (value is None):
        raise InvalidInput(
            FieldError("take", "解决方式", "须选择 --take mine|theirs 或 --value 之一")
        )
    with store.session(write=True) as s:
        c = s.get(Conflict, conflict_id)
        if c is None:
            raise NotFound(f"找不到冲突：{conflict_id}")
        if c.status != "open":
            raise InvalidInput(FieldError("id", "冲突", "该冲突已解决"))
        if local.is_stub(s, c.entity_uuid):
            raise InvalidInput(FieldError("id", "冲突", "该居民已迁出本机构辖区，只能查看"))
        if take is not None:
            if take not in ("mine", "theirs"):
                raise InvalidInput(FieldError("take", "解决方式", "须为 mine 或 theirs"))
            value = conflict_sources.oriented(s, c)[take]  # "mine" is this device's value
        elif value_text is not None:
            value = _parse(value_text, c)
        state = local.local_state(s, c.entity, c.entity_uuid)
        if state is None:
            what = {"resident": "居民", "household": "家庭", "activity": "活动记录"}.get(c.entity, "记录")
            raise NotFound(f"本机没有冲突所在的{what}")
        chosen = copy.deepcopy(state)
        set_path(chosen, c.field, value)
        # The chosen state goes through the writer like a typed-in edit: checked by its form,
        # credited to the person resolving, queued with the conflict it settles.
        writer = {"resident": residents, "household": households, "activity": activities}.get(c.entity, records)
        origin = Origin("resolve", store.user.name, resolves=c.id)
        done = writer.apply(s, c.entity_uuid, chosen, origin, action="resolve",
                            audit_detail={"field": c.field, "take": take or "value"})  # fmt: skip
        if not done:  # the chosen value is what this device already holds: the server still hears
            bookkeep.write(s, origin, entity=c.entity, uuid=c.entity_uuid, rev=done.rev,
                           action="resolve", snapshot=state, changes={}, op="update",
                           audit_detail={"field": c.field, "take": take or "value"},
                           version=False)  # fmt: skip
        chosen = local.local_state(s, c.entity, c.entity_uuid) or chosen
        c.status, c.resolved_at, c.resolved_by = "resolved", now_iso(), store.user.name
        return Resolved(c.id, c.field, get_path(chosen, c.field), c.entity,
                        _residents_of(s, c.entity, c.entity_uuid))


def _residents_of(s: Session, entity: str, uuid: str) -> list[str]:
    """Whose views show the entity a conflict was on."""
    if entity == "resident":
        return [uuid]
    if entity == "household":
        return list(s.scalars(select(Resident.uuid).where(Resident.household_uuid == uuid)))
    rec = s.get(Record, uuid)
    return [rec.resident_uuid] if rec is not None else []
