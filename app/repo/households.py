"""The writer of household rows: a whole new state (`apply`: a pull, a resolution) or a row the
caller changed in place (`commit`: create, rename, head), and what its origin asks for beside it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Household, Resident, Version
from app.errors import InvalidInput
from app.repo import bookkeep
from app.repo.origin import Applied, Origin
from app.services.changes import diff
from app.services.resident_input import label_error
from forms.entity_keys import HOUSEHOLD_LABELS, HOUSEHOLD_STATE
from forms.model import FieldError


def snapshot(h: Household) -> dict[str, Any]:
    """The flat state compared between versions and sent to the server field by field."""
    return {"label": h.label, "village": h.village, "head": h.head_uuid}


def placeholder_label(uuid: str) -> str:
    """What a household known only by its uuid is called until its real label arrives by sync."""
    return f"家庭 {uuid[:8]}"


def next_rev(s: Session, uuid: str) -> int:
    return int(s.scalar(select(func.max(Version.rev)).where(Version.entity_uuid == uuid)) or 0) + 1


def check(s: Session, state: dict[str, Any]) -> dict[str, Any]:
    """`state` with its label trimmed, or InvalidInput naming what is wrong."""
    problem = label_error(state.get("label"))
    if problem:
        raise InvalidInput(FieldError("label", HOUSEHOLD_LABELS["label"], problem))
    head = state.get("head")
    if head is not None and (not isinstance(head, str) or s.get(Resident, head) is None):
        raise InvalidInput(FieldError("head", HOUSEHOLD_LABELS["head"], "须为本机已登记居民的标识"))
    return {**state, "label": state["label"].strip()}


def commit(s: Session, h: Household, before: dict[str, Any], origin: Origin, *, action: str,
           op: str = "update", audit_detail: dict[str, Any] | None = None) -> Applied:  # fmt: skip
    after = snapshot(h)
    changes = diff(before, after)
    rev = next_rev(s, h.uuid)
    if not changes:
        return Applied("household", h.uuid, rev - 1, action)
    return bookkeep.write(s, origin, entity="household", uuid=h.uuid, rev=rev, action=action,
                          snapshot=after, changes=changes, op=op, audit_detail=audit_detail)  # fmt: skip


def apply(s: Session, uuid: str, state: dict[str, Any], origin: Origin, *, action: str,
          audit_detail: dict[str, Any] | None = None) -> Applied:
    """Make household `uuid` hold `state` (the server's, or a resolution's); a placeholder
    becomes real."""
    state = {k: state.get(k) for k in HOUSEHOLD_STATE}
    h = s.get(Household, uuid)
    before = snapshot(h) if h else {}
    if h is not None and bookkeep.same(before, state):
        return Applied("household", uuid, next_rev(s, uuid) - 1, action)
    if origin.validated:
        state = check(s, state)
    if h is None:
        h = Household(uuid=uuid, created_at=now_iso())
    h.label = state.get("label") or h.label or placeholder_label(uuid)
    h.village = state.get("village") or h.village
    h.head_uuid = state.get("head")
    s.add(h)
    s.flush()
    return commit(s, h, before, origin, action=action, audit_detail=audit_detail)
