"""Every resident and record that reaches the server is checked with the same `forms/` rules."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from typing import Any

import forms
from forms import idnumber
from forms.entity_keys import NOT_DOCUMENT, RECORD_NOT_DOCUMENT, SERVER_DECIDED

# Resident-level keys of the synced resident state (and what travels with it); every other key
# belongs to the personal_info form document (which also holds the identity fields name, sex,
# birth_date, id_number, ...). Declared once in forms/entity_keys.py.
# "area" is no key of the document: a county-level device names it and the server takes it out
# (push._area); from anyone else it is an unknown field like any other. The keys the server
# decides (former_names) are dropped from a push before it is checked (push.pusher.from_client):
# should one reach the check it is an unknown field too.
RESIDENT_ONLY = NOT_DOCUMENT - {"area"} - SERVER_DECIDED
# Record-level keys of the synced record state; the rest is the form document.
RECORD_ONLY = RECORD_NOT_DOCUMENT
SEXES = {"0", "1", "2", "9"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# ASCII digits only: \d and str.isdigit also take full-width (０) and Arabic-Indic (٠) digits,
# which would make a second spelling of one village or record number.
_VILLAGE = re.compile(r"[0-9]{3}")
_RECORD_NO = re.compile(r"[0-9]{17}|P[0-9a-f]{16}")


def text_errors(value: str, label: str) -> list[str]:
    """Invisible and control characters have no place in a name: a name of only U+200B looks
    empty, U+202E turns the text around on screen and in print."""
    bad = [c for c in value if unicodedata.category(c) in ("Cf", "Cc", "Co", "Cs", "Cn")]
    if bad:
        return [f"{label}：含有不可见或控制字符（U+{ord(bad[0]):04X}）"]
    return []


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def resident_errors(state: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    name = state.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        errors.append("姓名（name）：必填，不超过 50 个字")
    else:
        errors += text_errors(name, "姓名（name）")
    if state.get("sex") not in SEXES:
        errors.append("性别（sex）：必须是 0、1、2 或 9")
    birth = _date(state.get("birth_date"))
    if birth is None or birth > dt.date.today():
        errors.append("出生日期（birth_date）：必须是不晚于今天的 YYYY-MM-DD 日期")
    village = state.get("village")
    if not isinstance(village, str) or not _VILLAGE.fullmatch(village):
        errors.append("村（village）：必须是 3 位数字（0-9）")
    record_no = state.get("record_no")
    if record_no is not None and not (
        isinstance(record_no, str) and _RECORD_NO.fullmatch(record_no)
    ):
        errors.append("档案编号（record_no）：必须是 17 位数字（0-9）")
    mother = state.get("mother")
    if mother is not None and not (isinstance(mother, str) and _UUID.fullmatch(mother)):
        errors.append("母亲（mother）：必须是母亲档案的 uuid")
    number = state.get("id_number")
    if number:
        try:
            info = idnumber.parse(str(number))
        except idnumber.IdNumberError as e:
            errors.append(f"身份证号（id_number）：{e}")
        else:
            if state.get("sex") in ("1", "2") and info.sex != state.get("sex"):
                errors.append("性别（sex）：与身份证号（id_number）不一致")
            if birth and info.birth_date != state.get("birth_date"):
                errors.append("出生日期（birth_date）：与身份证号（id_number）不一致")
    doc = {k: v for k, v in state.items() if k not in RESIDENT_ONLY}
    ctx = forms.ValidationContext(birth_date=state.get("birth_date"), sex=state.get("sex"))
    # Without a personal_info definition the identity checks above still apply.
    with contextlib.suppress(forms.UnknownForm):
        errors += [e.keyed() for e in forms.validate("personal_info", doc, ctx)]
    return errors


def record_form(state: dict[str, Any]) -> tuple[forms.FormDef | None, list[str]]:
    code, edition = state.get("form"), state.get("edition")
    if not isinstance(code, str) or (edition is not None and not isinstance(edition, str)):
        return None, ["表单代码（form）：必须是字符串"]
    try:
        form = forms.get_form(code, edition)
    except forms.UnknownForm as e:
        return None, [f"表单代码（form）：{e}"]
    if form.subject != "resident":
        return None, [f"表单代码（form）：{form.title}是机构的记录，不属于居民档案"]
    return form, []


def record_errors(state: dict[str, Any], resident: dict[str, Any]) -> list[str]:
    form, errors = record_form(state)
    if form is None:
        return errors
    visit = state.get("visit_date")
    if visit is not None and _date(visit) is None:
        errors.append("随访/检查日期（visit_date）：必须是 YYYY-MM-DD 日期")
    doc = {k: v for k, v in state.items() if k not in RECORD_ONLY}
    ctx = forms.ValidationContext(birth_date=resident.get("birth_date"), sex=resident.get("sex"))
    errors += [e.keyed() for e in forms.validate(form.code, doc, ctx, form.edition)]
    return errors


# The synced household state; "area" only from a county-level device, as for residents.
HOUSEHOLD_KEYS = {"label", "village", "head"}
MAX_HOUSEHOLD_LABEL = 100


def household_errors(state: dict[str, Any]) -> list[str]:
    errors = [f"家庭：未知字段 {k[:40]}" for k in sorted(set(state) - HOUSEHOLD_KEYS)]
    label = state.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_HOUSEHOLD_LABEL:
        errors.append(f"户名（label）：必填，不超过 {MAX_HOUSEHOLD_LABEL} 个字")
    else:
        errors += text_errors(label, "户名（label）")
    village = state.get("village")
    if not isinstance(village, str) or not _VILLAGE.fullmatch(village):
        errors.append("村（village）：必须是 3 位数字（0-9）")
    head = state.get("head")
    if head is not None and not (isinstance(head, str) and _UUID.match(head)):
        errors.append("户主（head）：必须是居民标识（UUID）或空")
    return errors


# --- the clinic's own activities (健康教育活动记录表, issue 16): the form document plus these keys
ACTIVITY_ONLY = {"form", "edition", "status", "void_reason"}


def activity_errors(state: dict[str, Any]) -> list[str]:
    code, edition = state.get("form"), state.get("edition")
    if not isinstance(code, str) or (edition is not None and not isinstance(edition, str)):
        return ["表单代码（form）：必须是字符串"]
    try:
        form = forms.get_form(code, edition)
    except forms.UnknownForm as e:
        return [f"表单代码（form）：{e}"]
    if form.subject != "institution":
        return [f"表单代码（form）：{form.title}属于居民档案，不是机构的活动记录"]
    errors = []
    status, reason = state.get("status"), state.get("void_reason")
    if status not in ("final", "voided"):
        errors.append("状态（status）：须为 final 或 voided")
    elif status == "voided" and not (isinstance(reason, str) and reason.strip()):
        errors.append("作废原因（void_reason）：作废时必须写明原因")
    elif reason is not None and not isinstance(reason, str):
        errors.append("作废原因（void_reason）：必须是文字")
    doc = {k: v for k, v in state.items() if k not in ACTIVITY_ONLY}
    errors += [e.keyed() for e in forms.validate(form.code, doc, forms.ValidationContext(), form.edition)]
    return errors
