"""The writer of activity rows (the clinic's own log, 健康教育活动记录表: issue 16): a whole new
state (`apply`: a pull, a resolution) or a row the caller changed in place (`commit`: add,
correct, void), and what the origin asks for beside it (bookkeep.write: version, outbox, audit).
`checked` is the form check every origin but a pull goes through. Nothing is deleted: a voided
activity keeps its document and says why."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

import forms
from app.clock import now_iso, today
from app.db.models import Activity
from app.errors import InvalidInput
from app.repo import bookkeep
from app.repo.origin import Applied, Origin
from app.services.changes import diff
from forms.entity_keys import ACTIVITY_LABELS, ACTIVITY_STATE, ACTIVITY_STATUSES
from forms.model import FieldError

ENTITY = "activity"
MAX_REASON = 200


def snapshot(a: Activity) -> dict[str, Any]:
    snap = dict(json.loads(a.doc))
    snap.update(form=a.form, edition=a.edition, status=a.status, void_reason=a.void_reason)
    return snap


def checked(form: str, doc: Any, edition: str | None, final: bool = True) -> tuple[dict[str, Any], forms.FormDef]:
    """`doc` prepared by its form, or InvalidInput naming each bad field. Only an institution's
    form (FormDef.subject "institution") is an activity."""
    if not isinstance(doc, dict):
        raise InvalidInput(FieldError("$", "表单内容", "必须是 JSON 对象"))
    try:
        definition = forms.get_form(form, edition)
    except forms.UnknownForm as e:
        raise InvalidInput(FieldError("form", "表单代码", f"{e}；可用：{'、'.join(forms.institution_form_codes())}")) from None
    if definition.subject != "institution":
        raise InvalidInput(FieldError("form", "表单代码", f"{definition.title}是居民档案的表单，不是本机构的活动记录"))
    ctx = forms.ValidationContext(today=today().isoformat(), final=final)
    prepared = forms.prepare(form, doc, ctx, definition.edition)
    errors = forms.validate(form, prepared, ctx, definition.edition)
    if errors:
        raise InvalidInput(errors)
    return prepared, definition


def check_status(status: Any, reason: Any) -> None:
    """A voided activity says why; a valid one carries no reason."""
    if status not in ACTIVITY_STATUSES:
        raise InvalidInput(FieldError("status", ACTIVITY_LABELS["status"], "须为 final（有效）或 voided（作废）"))
    if status == "voided":
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(FieldError("void_reason", ACTIVITY_LABELS["void_reason"], "作废时必须写明原因"))
        if len(reason) > MAX_REASON:
            raise InvalidInput(FieldError("void_reason", ACTIVITY_LABELS["void_reason"], f"不超过{MAX_REASON}字"))
    elif reason:
        raise InvalidInput(FieldError("void_reason", ACTIVITY_LABELS["void_reason"], "有效的记录不填写作废原因"))


def commit(s: Session, a: Activity, before: dict[str, Any], origin: Origin, *, action: str,
           op: str = "update", at: str | None = None,
           audit_detail: dict[str, Any] | None = None) -> Applied:  # fmt: skip
    """After `a` was changed in place (or filled in, when new): bump its revision and write what
    `origin` asks for. Nothing is written when no field changed."""
    after = snapshot(a)
    changes = diff(before, after)
    if not changes:
        return Applied(ENTITY, a.uuid, a.rev or 0, action)
    a.rev = (a.rev or 0) + 1
    a.updated_at, a.updated_by = at or now_iso(), origin.author
    return bookkeep.write(s, origin, entity=ENTITY, uuid=a.uuid, rev=a.rev, action=action,
                          snapshot=after, changes=changes, op=op, at=at,
                          audit_detail={"form": a.form, **(audit_detail or {})})  # fmt: skip


def fill(a: Activity, doc: dict[str, Any], definition: forms.FormDef, status: str,
         reason: str | None, when: str, who: str) -> None:  # fmt: skip
    a.form, a.edition = definition.code, definition.edition
    a.visit_date = str(doc.get("visit_date") or "")
    a.doc = json.dumps(doc, ensure_ascii=False)
    a.status, a.void_reason = status, (reason.strip() if isinstance(reason, str) and reason.strip() else None)
    a.updated_at, a.updated_by = when, who


def apply(s: Session, uuid: str, state: dict[str, Any], origin: Origin, *, action: str,
          audit_detail: dict[str, Any] | None = None) -> Applied:
    """Make activity `uuid` hold `state` (form document plus form, edition, status, void_reason).
    A state from anyone but the server is checked by its form like a typed-in one."""
    a = s.get(Activity, uuid)
    before = snapshot(a) if a else {}
    if a is not None and bookkeep.same(before, state):
        return Applied(ENTITY, uuid, a.rev, action)
    doc = {k: v for k, v in state.items() if k not in ACTIVITY_STATE}
    status, reason = state.get("status") or "final", state.get("void_reason")
    now = now_iso()
    if a is None:
        a = Activity(uuid=uuid, rev=0, created_at=now, created_by=origin.author)
    form, edition = str(state.get("form") or ""), state.get("edition") or forms.CURRENT_EDITION
    if origin.validated:
        check_status(status, reason)
        doc, definition = checked(form, doc, edition)
    else:
        try:
            definition = forms.get_form(form, edition)
        except forms.UnknownForm:  # the county's record, whatever this build knows: kept as sent
            definition = forms.FormDef(form, form, edition, (), {}, subject="institution")
    fill(a, doc, definition, status, reason, now, origin.author)
    s.add(a)
    s.flush()
    return commit(s, a, before, origin, action=action, at=now, audit_detail=audit_detail)
