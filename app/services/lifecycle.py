"""A resident's life cycle: moving away, death, loss to follow-up, and merging duplicates.

Nothing is deleted: a merged-away resident keeps its history and points to the survivor through
a redirect until someone unmerges it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from app import roles
from app.clock import now_iso, today
from app.db.models import MergeEvent, Record, Redirect, Resident
from app.errors import InvalidInput
from app.repo import Origin
from app.repo.residents import commit, forms_of, snapshot
from app.services import refs
from app.services.resident_input import err
from app.services.resident_prep import compute_tags
from app.services.results import Merged, StatusSet, Unmerged

if TYPE_CHECKING:
    from app.store import Store

SETTABLE = ("active", "moved", "deceased", "lost")
FILL_FROM_DUPLICATE = ("id_number", "phone", "address")


def set_status(store: Store, ref: str, status: str, date: str | None = None,
               reason: str | None = None) -> StatusSet:  # fmt: skip
    roles.require(store, "change_status")
    if status not in SETTABLE:
        raise InvalidInput(err("status", "可选：active（在册）moved（迁出）deceased（死亡）lost（失访）"))
    with store.session(write=True) as s:
        r = refs.resident(s, ref)
        if r.status == "merged":
            raise InvalidInput(err("status", "该居民已合并到其他档案"))
        refs.ensure_writable(s, r.uuid)
        problems = []
        if date is not None:
            try:
                d = dt.date.fromisoformat(date)
                if d > today():
                    problems.append(err("date", "不能晚于今天"))
                elif date < r.birth_date:
                    problems.append(err("date", f"不能早于出生日期 {r.birth_date}"))
            except ValueError:
                problems.append(err("date", f"“{date}”不是有效日期，格式须为 YYYY-MM-DD"))
        if status == "deceased" and not date:
            problems.append(err("date", "登记死亡须填写死亡日期"))
        if status == "deceased" and not (reason or "").strip():
            problems.append(err("reason", "登记死亡须填写死亡原因"))
        if status == "moved" and not (reason or "").strip():
            problems.append(err("reason", "登记迁出须填写迁往何处"))
        if problems:
            raise InvalidInput(problems)
        before = snapshot(r)
        r.status = status
        r.status_date = date or (today().isoformat() if status != "active" else None)
        r.status_reason = (reason or "").strip() or None
        done = commit(s, r, before, Origin("local", store.user.name), action="status")
        return StatusSet(r.uuid, r.status, r.rev, list(done.changed), [r.uuid])


def merge(store: Store, survivor_ref: str, duplicate_ref: str) -> Merged:
    roles.require(store, "merge")
    with store.session(write=True) as s:
        keep = refs.resident(s, survivor_ref)
        dup = refs.resident(s, duplicate_ref, follow=False)
        if dup.status == "merged":
            raise InvalidInput(err("duplicate", f"档案 {dup.record_no} 已经合并过"))
        if keep.uuid == dup.uuid:
            raise InvalidInput(err("duplicate", "不能把居民与自己合并"))
        moved = list(s.execute(select(Record.uuid).where(Record.resident_uuid == dup.uuid)).scalars())
        keep_before, dup_before = snapshot(keep), snapshot(dup)
        keep_doc, dup_doc = json.loads(keep.doc), json.loads(dup.doc)
        filled: dict[str, Any] = {}
        for key in FILL_FROM_DUPLICATE:
            if not keep_doc.get(key) and dup_doc.get(key):
                filled[key] = dup_doc[key]
        if "id_number" in filled:
            dup.id_number = None  # unique column: the survivor takes the number over
            s.flush()
        keep_doc.update(filled)
        keep.doc = json.dumps(keep_doc, ensure_ascii=False)
        keep.id_number, keep.phone, keep.address = (
            keep_doc.get("id_number"), keep_doc.get("phone"), keep_doc.get("address"))
        s.execute(update(Record).where(Record.resident_uuid == dup.uuid).values(resident_uuid=keep.uuid))
        previous_status = dup.status
        dup.status, dup.merged_into, dup.status_date = "merged", keep.uuid, today().isoformat()
        keep.tags = compute_tags(keep_doc, forms_of(s, keep.uuid))
        event = MergeEvent(
            uuid=str(uuidlib.uuid4()), survivor_uuid=keep.uuid, duplicate_uuid=dup.uuid,
            moved_records=json.dumps({"records": moved, "filled": filled,
                                      "previous_status": previous_status}),
            at=now_iso(), user=store.user.name,
        )  # fmt: skip
        s.add(event)
        s.merge(Redirect(old_uuid=dup.uuid, new_uuid=keep.uuid, at=event.at))
        detail = {"survivor": keep.uuid, "duplicate": dup.uuid, "records_moved": len(moved)}
        origin = Origin("merge", store.user.name)
        gone = commit(s, dup, dup_before, origin, action="merge", op="merge", at=event.at,
                      audit_detail=detail)  # fmt: skip
        kept = commit(s, keep, keep_before, origin, action="merge", at=event.at, audit_detail=detail)
        return Merged(keep.uuid, dup.uuid, len(moved),
                      {dup.uuid: list(gone.changed), keep.uuid: list(kept.changed)},
                      [keep.uuid, dup.uuid])  # fmt: skip


def unmerge(store: Store, ref: str) -> Unmerged:
    roles.require(store, "merge")
    with store.session(write=True) as s:
        dup = refs.resident(s, ref, follow=False)
        event = s.execute(
            select(MergeEvent).where(MergeEvent.duplicate_uuid == dup.uuid, MergeEvent.undone_at.is_(None))
            .order_by(MergeEvent.at.desc())
        ).scalars().first()  # fmt: skip
        if dup.status != "merged" or event is None:
            raise InvalidInput(err("ref", f"档案 {dup.record_no} 不是被合并的档案，无需撤销"))
        keep = s.get(Resident, event.survivor_uuid)
        assert keep is not None
        info = json.loads(event.moved_records)
        keep_before, dup_before = snapshot(keep), snapshot(dup)
        keep_doc, dup_doc = json.loads(keep.doc), json.loads(dup.doc)
        for key, value in info["filled"].items():
            if keep_doc.get(key) == value:  # only take back what was not changed since
                keep_doc.pop(key)
        keep.doc = json.dumps(keep_doc, ensure_ascii=False)
        # A survivor merged away since gave its number on (merge): it keeps none.
        number = keep_doc.get("id_number") if keep.status != "merged" else keep.id_number
        keep.id_number, keep.phone, keep.address = (
            number, keep_doc.get("phone"), keep_doc.get("address"))
        s.flush()
        dup_number = dup_doc.get("id_number")
        holder = s.execute(select(Resident).where(
            Resident.id_number == dup_number, Resident.uuid != dup.uuid)).scalars().first() if dup_number else None
        if holder is not None:  # passed on by a later merge (or kept by the survivor): undo that first
            raise InvalidInput(err("ref", f"档案 {dup.record_no} 的身份证号现属于档案 {holder.record_no}"
                                          "（之后的合并），请先撤销那次合并"))  # fmt: skip
        dup.id_number = dup_number
        if info["records"]:
            s.execute(update(Record).where(Record.uuid.in_(info["records"])).values(resident_uuid=dup.uuid))
        dup.status, dup.merged_into = info.get("previous_status", "active"), None
        dup.status_date = None
        event.undone_at = now_iso()
        redirect = s.get(Redirect, dup.uuid)
        if redirect is not None:
            s.delete(redirect)
        for r in (dup, keep):
            r.tags = compute_tags(json.loads(r.doc), forms_of(s, r.uuid))
        detail = {"survivor": keep.uuid}
        origin = Origin("unmerge", store.user.name)
        back = commit(s, dup, dup_before, origin, action="unmerge", op="unmerge", at=event.undone_at,
                      audit_detail=detail)  # fmt: skip
        kept = commit(s, keep, keep_before, origin, action="unmerge", at=event.undone_at,
                      audit_detail=detail)  # fmt: skip
        return Unmerged(dup.uuid, keep.uuid, len(info["records"]),
                        {dup.uuid: list(back.changed), keep.uuid: list(kept.changed)},
                        [dup.uuid, keep.uuid])  # fmt: skip
