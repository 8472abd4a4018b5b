"""Filled forms of a resident: add, correct (field by field, with history), read, list."""

from __future__ import annotations

import contextlib
import json
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from app import roles
from app.clock import now_iso, today
from app.db.models import Record, Resident
from app.errors import InvalidInput
from app.repo import Origin
from app.repo import records as writer
from app.repo.records import checked, context
from app.services import audit, record_warnings, refs
from app.services.changes import versions_of
from app.services.residents import compute_tags, forms_of
from app.services.results import Created, Saved
from forms import growth
from forms.checks import is_empty
from forms.model import FieldError

if TYPE_CHECKING:
    from app.store import Store

STATUSES = ("final", "draft")
# Forms whose 随访医生 is the person saving it unless the document names someone else.
SIGNED_BY_SAVER = ("htn_followup", "dm_followup")


def as_dict(r: Record) -> dict[str, Any]:
    return {
        "uuid": r.uuid, "resident": r.resident_uuid, "form": r.form, "edition": r.edition,
        "visit_date": r.visit_date, "doc": json.loads(r.doc), "status": r.status, "rev": r.rev,
        "created_at": r.created_at, "created_by": r.created_by, "updated_at": r.updated_at,
        "updated_by": r.updated_by,
    }  # fmt: skip


def _status(status: Any) -> str:
    if status not in STATUSES:
        raise InvalidInput(FieldError("status", "记录状态", "应为 final（定稿）或 draft（草稿）"))
    return str(status)


def add(store: Store, ref: str, form: str, doc: Any, *, status: str = "final",
        confirmed: bool = False) -> Created:  # fmt: skip
    """A new record. A final one (not a draft) that record_warnings finds unusual is refused
    with NeedsConfirmation unless `confirmed`."""
    with store.session(write=True) as s:
        rec = add_in(s, store, ref, form, doc, status=status, confirmed=confirmed)
        return Created("record", rec.uuid, [rec.resident_uuid])


def add_in(s: Session, store: Store, ref: str, form: str, doc: Any, *, status: str = "final",
           confirmed: bool = False) -> Record:  # fmt: skip
    roles.require_form(store, form)
    resident = refs.resident(s, ref)
    if resident.status == "merged":
        raise InvalidInput(FieldError("resident", "居民", "该居民已合并，请在保留的档案下记录"))
    refs.ensure_writable(s, resident.uuid)
    final = _status(status) == "final"
    if final and form in SIGNED_BY_SAVER and isinstance(doc, dict) and is_empty(doc.get("doctor")):
        doc = {**doc, "doctor": store.user.display_name or store.user.name}
    prepared = checked(form, doc, resident, None, final)
    if final and not confirmed:
        asked = record_warnings.warnings_in(s, resident, form, prepared, today=today())
        if asked:
            raise record_warnings.NeedsConfirmation(asked)
    now = now_iso()
    rec = Record(
        uuid=str(uuidlib.uuid4()), resident_uuid=resident.uuid, form=form,
        edition=forms.CURRENT_EDITION, visit_date=prepared.get("visit_date"),
        doc=json.dumps(prepared, ensure_ascii=False), status=status, rev=0, created_at=now,
        updated_at=now, created_by=store.user.name, updated_by=store.user.name,
    )  # fmt: skip
    s.add(rec)
    s.flush()
    resident.tags = compute_tags(json.loads(resident.doc), forms_of(s, resident.uuid) | {form})
    writer.commit(s, rec, {}, Origin("local", store.user.name), action="create", op="create", at=now)
    return rec


def update(store: Store, uuid: str, patch: Any, *, status: str | None = None,
           confirmed: bool = False) -> Saved:  # fmt: skip
    """Correct a record field by field (`status="final"` also finalises a draft). A final
    record is asked about only the warnings its stored version did not already have."""
    if not isinstance(patch, dict):
        raise InvalidInput(FieldError("$", "表单内容", "必须是 JSON 对象"))
    with store.session(write=True) as s:
        rec = refs.record(s, uuid)
        roles.require_form(store, rec.form)
        resident = s.get(Resident, rec.resident_uuid)
        assert resident is not None
        refs.ensure_writable(s, resident.uuid)
        new_status = _status(status or rec.status)
        if rec.status == "final" and new_status == "draft":
            raise InvalidInput(FieldError("status", "记录状态", "定稿的记录不能改回草稿"))
        final = new_status == "final"
        stored = json.loads(rec.doc)
        doc = dict(stored)
        for k, v in patch.items():
            if v is None:
                doc.pop(k, None)
            else:
                doc[k] = v
        # A child's 上/中/下 filled from the old measurements follows a corrected measurement.
        with contextlib.suppress(forms.UnknownForm):  # checked() below refuses it, naming it
            doc = growth.drop_auto_levels(forms.get_form(rec.form, rec.edition), stored, doc,
                                          context(resident, final))  # fmt: skip
        if final and rec.status == "draft" and rec.form in SIGNED_BY_SAVER and is_empty(doc.get("doctor")):
            doc["doctor"] = store.user.display_name or store.user.name
        prepared = checked(rec.form, doc, resident, rec.edition, final)
        if final and not confirmed:
            now = record_warnings.warnings_in(s, resident, rec.form, prepared, exclude=rec.uuid,
                                              today=today())  # fmt: skip
            warned = (record_warnings.warnings_in(s, resident, rec.form, stored, exclude=rec.uuid,
                                                  today=today())
                      if rec.status == "final" else None)  # fmt: skip
            asked = record_warnings.unconfirmed(now, warned)
            if asked:
                raise record_warnings.NeedsConfirmation(asked)
        before = writer.snapshot(rec)
        rec.doc = json.dumps(prepared, ensure_ascii=False)
        rec.visit_date = prepared.get("visit_date")
        finalised = rec.status != new_status
        rec.status = new_status
        if finalised:
            audit.append(s, store.user.name, "update", "record", rec.uuid,
                         {"form": rec.form, "status": new_status})  # fmt: skip
        done = writer.commit(s, rec, before, Origin("local", store.user.name), action="update")
        return Saved("record", rec.uuid, rec.rev, list(done.changed), [rec.resident_uuid])


def get(store: Store, uuid: str) -> dict[str, Any]:
    with store.session(write=True) as s:
        rec = refs.record(s, uuid)
        roles.require_form(store, rec.form)
        audit.append(s, store.user.name, "view", "record", rec.uuid, {"form": rec.form})
        return as_dict(rec)


def history(store: Store, uuid: str) -> list[dict[str, Any]]:
    """Every saved version of a record, oldest first: who, when, what changed, and the whole
    document as it was (versions are append-only, so nothing a doctor wrote is ever lost)."""
    with store.session(write=True) as s:
        rec = refs.record(s, uuid)
        roles.require_form(store, rec.form)
        out = versions_of(s, rec.uuid)
        audit.append(s, store.user.name, "view", "record", rec.uuid,
                     {"form": rec.form, "what": "history"})  # fmt: skip
        return out


def list_for(store: Store, ref: str, form: str | None = None) -> list[dict[str, Any]]:
    with store.session(write=True) as s:
        resident = refs.resident(s, ref)
        q = select(Record).where(Record.resident_uuid == resident.uuid)
        if form:
            roles.require_form(store, form)
            q = q.where(Record.form == form)
        rows = s.execute(q.order_by(Record.visit_date.desc(), Record.created_at.desc())).scalars()
        out = shown(s, store, [as_dict(r) for r in rows])
        audit.append(s, store.user.name, "view", "resident", resident.uuid, {"what": "records"})
        return out


def shown(s: Session, store: Store, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records the user may see (the 严重精神障碍 and 肺结核 forms only for the roles that
    may), each sensitive one shown audited as a view of that record (issue 16)."""
    if not roles.sees_sensitive(store):
        return [r for r in found if r["form"] not in roles.SENSITIVE_FORMS]
    for r in found:
        if r["form"] in roles.SENSITIVE_FORMS:
            audit.append(s, store.user.name, "view", "record", r["uuid"], {"form": r["form"], "what": "list"})
    return found
