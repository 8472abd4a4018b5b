"""Households (户): created when a resident first names one, renamed and given a head here. Every
change writes a version, an outbox row and an audit entry, like a resident's (synced as entity
"household" with the state {label, village, head})."""

from __future__ import annotations

import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Household, Resident, SyncEntity
from app.errors import InvalidInput, NotFound
from app.repo import Origin
from app.repo import households as writer
from app.repo.households import next_rev, placeholder_label, snapshot  # noqa: F401 - used through this module
from app.services import audit, refs
from app.services.resident_input import label_error
from app.services.results import HouseholdSaved
from forms.model import FieldError

if TYPE_CHECKING:
    from app.store import Store

_UNSET: Any = object()


def create_in(s: Session, user: str, label: str, village: str) -> Household:
    """A new household in the caller's transaction, queued for the county server."""
    h = Household(uuid=str(uuidlib.uuid4()), label=label, village=village, head_uuid=None,
                  created_at=now_iso())  # fmt: skip
    s.add(h)
    s.flush()
    writer.commit(s, h, {}, Origin("local", user), action="create", op="create")
    return h


def find(s: Session, ref: str) -> Household:
    """The household `ref` names: its uuid, or any reference to one of its members."""
    ref = (ref or "").strip()
    h = s.get(Household, ref.lower())
    if h is not None:
        return h
    r = refs.resident(s, ref)
    h = s.get(Household, r.household_uuid) if r.household_uuid else None
    if h is None:
        raise NotFound(f"居民 {r.name}（{r.record_no}）没有登记家庭")
    return h


def _members(s: Session, uuid: str) -> list[Resident]:
    q = select(Resident).where(and_(Resident.household_uuid == uuid, Resident.status != "merged"))
    return list(s.scalars(q.order_by(Resident.birth_date)))


def describe(s: Session, h: Household) -> dict[str, Any]:
    head = s.get(Resident, h.head_uuid) if h.head_uuid else None
    return {"uuid": h.uuid, "label": h.label, "village": h.village, "head": h.head_uuid,
            "head_name": head.name if head else None,
            "members": [{"uuid": m.uuid, "name": m.name, "record_no": m.record_no}
                        for m in _members(s, h.uuid)]}  # fmt: skip


def get(store: Store, ref: str) -> dict[str, Any]:
    """The household and its members; audited as a view (it lists several people at once)."""
    with store.session(write=True) as s:
        h = find(s, ref)
        out = describe(s, h)
        audit.append(s, store.user.name, "view", "household", h.uuid,
                     {"members": len(out["members"])})  # fmt: skip
        return out


def update(store: Store, ref: str, *, label: str | None = None, head: Any = _UNSET) -> HouseholdSaved:
    """Rename the household `ref` names and/or set its head (a member's reference, or None to
    clear it). Bad input changes nothing and names the field."""
    with store.session(write=True) as s:
        h = find(s, ref)
        row = s.get(SyncEntity, h.uuid)
        if row is not None and row.stub:
            raise InvalidInput(FieldError("household", "家庭", "该家庭已不在本机构辖区，只读"))
        before = snapshot(h)
        if label is not None:
            problem = label_error(label)
            if problem:
                raise InvalidInput(FieldError("label", "户名", problem))
            label = label.strip()
            other = s.scalar(select(Household.uuid).where(
                Household.label == label, Household.village == h.village, Household.uuid != h.uuid))  # fmt: skip
            if other is not None:
                raise InvalidInput(FieldError("label", "户名", f"本村已有名为“{label}”的家庭"))
            h.label = label
        if head is not _UNSET:
            if head is None:
                h.head_uuid = None
            else:
                r = refs.resident(s, head)
                if r.household_uuid != h.uuid or r.status == "merged":
                    raise InvalidInput(FieldError("head", "户主", f"{r.name}（{r.record_no}）不是本户成员"))
                h.head_uuid = r.uuid
        done = writer.commit(s, h, before, Origin("local", store.user.name), action="update")
        out = describe(s, h)
        return HouseholdSaved(**out, changed=list(done.changed),
                              residents=[m["uuid"] for m in out["members"]])
