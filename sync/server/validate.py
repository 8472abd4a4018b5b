"""Every resident and record that reaches the server is checked with the same `forms/` rules."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

import forms
from forms import idnumber
from forms.entity_keys import NOT_DOCUMENT, RECORD_NOT_DOCUMENT

# Resident-level keys of the synced resident state (and what travels with it); every other key
# belongs to the personal_info form document (which also holds the identity fields name, sex,
# birth_date, id_number, ...). Declared once in forms/entity_keys.py.
RESIDENT_ONLY = NOT_DOCUMENT
# Record-level keys of the synced record state; the rest is the form document.
RECORD_ONLY = RECORD_NOT_DOCUMENT
SEXES = {"0", "1", "2", "9"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
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
    if state.get("sex") not in SEXES:
        errors.append("性别（sex）：必须是 0、1、2 或 9")
    birth = _date(state.get("birth_date"))
    if birth is None or birth > dt.date.today():
        errors.append("出生日期（birth_date）：必须是不晚于今天的 YYYY-MM-DD 日期")
    village = state.get("village")
    if not isinstance(village, str) or not re.fullmatch(r"\d{3}", village):
        errors.append("村（village）：必须是 3 位数字")
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
        return forms.get_form(code, edition), []
    except forms.UnknownForm as e:
        return None, [f"表单代码（form）：{e}"]


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
HOUSEHOLD_KEYS = {"label", "village", "head", "area"}
MAX_HOUSEHOLD_LABEL = 100


def household_errors(state: dict[str, Any]) -> list[str]:
    errors = [f"家庭：未知字段 {k[:40]}" for k in sorted(set(state) - HOUSEHOLD_KEYS)]
    label = state.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_HOUSEHOLD_LABEL:
        errors.append(f"户名（label）：必填，不超过 {MAX_HOUSEHOLD_LABEL} 个字")
    village = state.get("village")
    if not isinstance(village, str) or not re.fullmatch(r"\d{3}", village):
        errors.append("村（village）：必须是 3 位数字")
    head = state.get("head")
    if head is not None and not (isinstance(head, str) and _UUID.match(head)):
        errors.append("户主（head）：必须是居民标识（UUID）或空")
    return errors
