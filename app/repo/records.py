"""The writer of record rows (filled forms): a whole new state (`apply`: a pull, a resolution) or
a row the caller changed in place (`commit`: add, correct), the owner's tags, and what the
origin asks for beside it. `checked` is the form check every origin but a pull goes through."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

import forms
from app.clock import now_iso, today
from app.db.models import Record, Resident
from app.errors import InvalidInput
from app.repo import bookkeep
from app.repo.origin import Applied, Origin
from app.repo.residents import forms_of
from app.services.changes import diff
from app.services.resident_prep import compute_tags
from forms.entity_keys import RECORD_STATE
from forms.model import FieldError

# Forms held on the resident itself rather than as separate records.
RESIDENT_FORMS = ("personal_info",)


def snapshot(rec: Record) -> dict[str, Any]:
    snap = dict(json.loads(rec.doc))
    snap.update(resident=rec.resident_uuid, form=rec.form, edition=rec.edition)
    return snap


def context(resident: Resident, final: bool) -> forms.ValidationContext:
    return forms.ValidationContext(today=today().isoformat(), birth_date=resident.birth_date,
                                   sex=resident.sex, final=final, record_no=resident.record_no)  # fmt: skip


def checked(form: str, doc: Any, resident: Resident, edition: str | None,
            final: bool = True) -> dict[str, Any]:  # fmt: skip
    """`doc` prepared by its form (computed fields filled in), or InvalidInput naming each bad
    field."""
    if not isinstance(doc, dict):
        raise InvalidInput(FieldError("$", "表单内容", "必须是 JSON 对象"))
    try:
        definition = forms.get_form(form, edition)
    except forms.UnknownForm as e:
        raise InvalidInput(FieldError("form", "表单代码", f"{e}；可用：{'、'.join(forms.form_codes())}")) from None
    if definition.subject != "resident":
        raise InvalidInput(FieldError("form", "表单代码", f"{definition.title}是本机构的活动记录，不属于居民档案，"
                                                         "请用 activity add 或“健康教育”窗口登记"))
    if form in RESIDENT_FORMS:
        raise InvalidInput(FieldError("form", "表单代码", "个人基本信息表随居民档案保存，请用 resident update 修改"))
    ctx = context(resident, final)
    prepared = forms.prepare(form, doc, ctx, definition.edition)
    errors = forms.validate(form, prepared, ctx, definition.edition)
    if errors:
        raise InvalidInput(errors)
    return prepared


def retag(s: Session, *owners: str | None) -> None:
    """Key-population tags of the residents whose records changed (a form adds or takes one)."""
    for owner in {o for o in owners if o}:
        resident = s.get(Resident, owner)
        if resident is not None:
            resident.tags = compute_tags(json.loads(resident.doc), forms_of(s, owner))


def commit(s: Session, rec: Record, before: dict[str, Any], origin: Origin, *, action: str,
           op: str = "update", at: str | None = None,
           audit_detail: dict[str, Any] | None = None) -> Applied:  # fmt: skip
    """After `rec` was changed in place (or filled in, when new): bump its revision and write
    what `origin` asks for. Nothing is written when no field changed."""
    after = snapshot(rec)
    changes = diff(before, after)
    if not changes:
        return Applied("record", rec.uuid, rec.rev or 0, action)
    base = rec.rev or 0
    rec.rev = base + 1
    rec.updated_at, rec.updated_by = at or now_iso(), origin.author
    return bookkeep.write(s, origin, entity="record", uuid=rec.uuid, rev=rec.rev, action=action,
                          snapshot=after, changes=changes, op=op, at=at,
                          audit_detail={"form": rec.form, **(audit_detail or {})})  # fmt: skip


def apply(s: Session, uuid: str, state: dict[str, Any], origin: Origin, *, action: str,
          audit_detail: dict[str, Any] | None = None) -> Applied:
    """Make record `uuid` hold `state` (form document plus resident, form, edition). A state
    from anyone but the server is checked by its form like a typed-in one."""
    rec = s.get(Record, uuid)
    before = snapshot(rec) if rec else {}
    if rec is not None and bookkeep.same(before, state):
        return Applied("record", uuid, rec.rev, action)
    doc = {k: v for k, v in state.items() if k not in RECORD_STATE}
    now = now_iso()
    if rec is None:
        rec = Record(uuid=uuid, rev=0, status="final", created_at=now, created_by=origin.author)
    owner = s.get(Resident, state["resident"]) if state.get("resident") else None
    if owner is None:
        raise LookupError(f"record {uuid} arrived before its resident")
    edition = state.get("edition") or forms.CURRENT_EDITION
    if origin.validated:
        doc = checked(state.get("form", ""), doc, owner, edition, rec.status == "final")
    previous_owner = rec.resident_uuid
    rec.resident_uuid, rec.form, rec.edition = owner.uuid, state.get("form", ""), edition
    rec.visit_date = doc.get("visit_date")
    rec.doc = json.dumps(doc, ensure_ascii=False)
    rec.updated_at, rec.updated_by = now, origin.author
    s.add(rec)
    s.flush()
    retag(s, previous_owner, rec.resident_uuid)
    return commit(s, rec, before, origin, action=action, at=now, audit_detail=audit_detail)
