"""The clinic's own activities (健康教育活动记录表, issue 16): add, correct, void, read, list and print
by year, and the yearly count the indicator `health_education_activities` compares with the
requirement. Not a resident's record: stored in the table `activity`, written only by
app/repo/activities.py (version, outbox, audit), synced as entity "activity" under the clinic's
own area. Nothing is deleted: a mistaken entry is voided with its reason and stays listed."""

from __future__ import annotations

import json
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app.clock import now_iso
from app.db.models import Activity, SyncEntity
from app.errors import InvalidInput, NotFound
from app.repo import Origin
from app.repo import activities as writer
from app.services import audit
from app.services.changes import versions_of
from app.services.results import Saved
from forms.model import FieldError

if TYPE_CHECKING:
    from app.rules import Table
    from app.store import Store

FORM = "health_education"


def as_dict(a: Activity) -> dict[str, Any]:
    return {"uuid": a.uuid, "form": a.form, "edition": a.edition, "visit_date": a.visit_date,
            "doc": json.loads(a.doc), "status": a.status, "void_reason": a.void_reason, "rev": a.rev,
            "created_at": a.created_at, "created_by": a.created_by, "updated_at": a.updated_at,
            "updated_by": a.updated_by}  # fmt: skip


def _find(s: Any, uuid: str) -> Activity:
    ref = (uuid or "").strip().lower()
    a = s.get(Activity, ref) if ref else None
    if a is None and len(ref) >= 8:  # a prefix as `activity list` shows it
        found = list(s.scalars(select(Activity).where(Activity.uuid.like(f"{ref}%")).limit(2)))
        a = found[0] if len(found) == 1 else None
    if a is None:
        raise NotFound(f"找不到活动记录 {uuid}")
    return a


def add(store: Store, doc: Any, *, form: str = FORM) -> dict[str, Any]:
    """A new activity, checked by its form (a final record: its core items filled)."""
    prepared, definition = writer.checked(form, doc, None)
    now = now_iso()
    with store.session(write=True) as s:
        a = Activity(uuid=str(uuidlib.uuid4()), rev=0, created_at=now, created_by=store.user.name)
        writer.fill(a, prepared, definition, "final", None, now, store.user.name)
        s.add(a)
        s.flush()
        done = writer.commit(s, a, {}, Origin("local", store.user.name), action="create", op="create", at=now)
        return {"uuid": a.uuid, "rev": done.rev}


def update(store: Store, uuid: str, patch: Any) -> Saved:
    """Correct an activity field by field (a null value clears the field); the earlier state
    stays in its history. A voided activity is not corrected: it is kept as it was voided."""
    if not isinstance(patch, dict):
        raise InvalidInput(FieldError("$", "表单内容", "必须是 JSON 对象"))
    with store.session(write=True) as s:
        a = _find(s, uuid)
        if a.status == "voided":
            raise InvalidInput(FieldError("status", "状态", f"该记录已作废（{a.void_reason}），不能再修改"))
        doc = dict(json.loads(a.doc))
        for k, v in patch.items():
            if v is None:
                doc.pop(k, None)
            else:
                doc[k] = v
        prepared, definition = writer.checked(a.form, doc, a.edition)
        before = writer.snapshot(a)
        writer.fill(a, prepared, definition, a.status, a.void_reason, now_iso(), store.user.name)
        done = writer.commit(s, a, before, Origin("local", store.user.name), action="update")
        return Saved("activity", a.uuid, a.rev, list(done.changed), [])


def void(store: Store, uuid: str, reason: str) -> Saved:
    """Mark an activity as entered by mistake: it stays, listed and printed as 作废 with why."""
    writer.check_status("voided", reason)
    with store.session(write=True) as s:
        a = _find(s, uuid)
        if a.status == "voided":
            raise InvalidInput(FieldError("status", "状态", "该记录已作废"))
        before = writer.snapshot(a)
        a.status, a.void_reason = "voided", reason.strip()
        done = writer.commit(s, a, before, Origin("local", store.user.name), action="status", op="status",
                             audit_detail={"status": "voided"})  # fmt: skip
        return Saved("activity", a.uuid, a.rev, list(done.changed), [])


def get(store: Store, uuid: str) -> dict[str, Any]:
    with store.session(write=True) as s:
        a = _find(s, uuid)
        audit.append(s, store.user.name, "view", "activity", a.uuid, {"form": a.form})
        return as_dict(a)


def history(store: Store, uuid: str) -> list[dict[str, Any]]:
    with store.session(write=True) as s:
        a = _find(s, uuid)
        audit.append(s, store.user.name, "view", "activity", a.uuid, {"what": "history"})
        return versions_of(s, a.uuid)


def year_bounds(year: Any) -> tuple[str, str]:
    from forms.indicators import BadYear
    from forms.indicators import year_bounds as bounds

    if not isinstance(year, int) or isinstance(year, bool):
        raise InvalidInput(FieldError("year", "年度", "须为四位年份"))
    try:
        return bounds(year)
    except BadYear as e:
        raise InvalidInput(e.error) from e


def list_year(store: Store, year: int, *, voided: bool = True, others: bool = False) -> list[dict[str, Any]]:
    """This institution's activities of the year by date (then entry time), voided ones too
    unless `voided=False`; with `others`, also those of the institutions below it that sync
    brought (a township hospital sees its villages' logs). Each says its institution's area."""
    start, end = year_bounds(year)
    own = store.institution.area
    area = func.coalesce(SyncEntity.area, own)
    q = (select(Activity, area).outerjoin(SyncEntity, SyncEntity.uuid == Activity.uuid)
         .where(Activity.visit_date.between(start, end)))  # fmt: skip
    if not voided:
        q = q.where(Activity.status != "voided")
    if not others:
        q = q.where(area == own)
    with store.session() as s:
        rows = s.execute(q.order_by(Activity.visit_date, Activity.created_at)).all()
        return [{**as_dict(a), "area": where, "own": where == own} for a, where in rows]


def level(store: Store) -> str:
    """The requirement's column: a township hospital (village segment 000) or a village clinic [U]."""
    return "township" if store.institution.is_township else "village"


def figures(store: Store, table: Table, year: int) -> list[dict[str, Any]]:
    """The institution-level indicators of the rules table (kind activity_count) for `year`."""
    from forms.indicators import Activity as Counted
    from forms.indicators import activity_figures
    from forms.rules import INSTITUTION_KINDS

    wanted = [i for i in table.indicators if i.kind in INSTITUTION_KINDS]
    if not wanted:
        return []
    rows = list_year(store, year, voided=False)
    out = []
    for ind in wanted:
        counted = [Counted(str(r["doc"].get("activity_kind") or ""), r["doc"].get("material_kinds"))
                   for r in rows if r["form"] == ind["form"]]  # fmt: skip
        out.append(activity_figures(ind, counted, level(store)))
    return out


def print_year(store: Store, year: int, out: Any, *, sheets: bool = True) -> int:
    """The year's list (with the count against the requirement), then one sheet per activity
    (`sheets`); voided activities are listed and printed marked 作废. Audited."""
    from app import rules as rules_mod
    from forms.pdf.activities import render_year

    items = list_year(store, year)
    table = rules_mod.for_store(store)
    pages = render_year(out, year, items, institution=store.institution.name,
                        figures=figures(store, table, year), sheets=sheets)  # fmt: skip
    with store.session(write=True) as s:
        audit.append(s, store.user.name, "print", "activity", None,
                     {"what": f"form:{FORM}", "year": year, "count": len(items), "pages": pages})  # fmt: skip
    return pages


def print_one(store: Store, uuid: str, out: Any) -> int:
    from forms.pdf.activities import render_sheets

    with store.session(write=True) as s:
        a = _find(s, uuid)
        item = as_dict(a)
    pages = render_sheets(out, [item])
    with store.session(write=True) as s:
        audit.append(s, store.user.name, "print", "activity", item["uuid"], {"what": f"form:{item['form']}", "pages": pages})
    return pages

