"""Turning the keys a user types for a resident into clean columns and a personal_info document,
with every problem named by field (all reported at once)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import forms
from app.clock import today
from forms.entity_keys import RESIDENT_KEYS, TYPED_RESIDENT
from forms.idnumber import IdNumberError, parse
from forms.model import FieldError
from forms.validate import copy_doc, prepare_in_place

MAX_LABEL = 100  # the county server refuses longer household labels (sync/server/validate.py)
# What a user types beside the document (resident-level keys, not part of the form document)
RESIDENT_ONLY = TYPED_RESIDENT
SEX_CODES = {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}
LABELS = {k.key: k.label for k in RESIDENT_KEYS if k.typed}
# Keys of status and merge requests: named in messages, but not columns an import may carry.
REQUEST_LABELS = {"status": "状态", "date": "日期", "reason": "原因或去向", "duplicate": "重复档案",
                  "ref": "居民", "survivor": "保留的档案"}  # fmt: skip
_NAME_SYMBOLS = re.compile(r"[\d<>\"'\\/]")
_SPACES = re.compile(r"\s+")
_PHONE_SEPARATORS = re.compile(r"[\s\-]")
_PHONE = re.compile(r"\+?\d{7,15}")
_VILLAGE = re.compile(r"\d{3}")


def label(key: str) -> str:
    return LABELS.get(key) or REQUEST_LABELS.get(key, key)


def label_error(value: Any) -> str | None:
    """What is wrong with a household label (family name or number), or None."""
    if not isinstance(value, str):
        return "须为文本"
    if not value.strip():
        return "不能为空"
    if len(value.strip()) > MAX_LABEL:
        return f"不能超过 {MAX_LABEL} 个字"
    return None


def err(key: str, message: str) -> FieldError:
    return FieldError(key, label(key), message)


@dataclass
class Cleaned:
    doc: dict[str, Any]  # the personal_info document (identity keys included)
    village: str | None
    household: str | None
    errors: list[FieldError] = field(default_factory=list)
    mother: str | None = None  # as typed (uuid or record number); resolved by the registration


def _text(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else v


def clean(data: Any, *, merged_into: dict[str, Any] | None = None, edition: str | None = None) -> Cleaned:
    """`data` is what was typed (add) or a patch; `merged_into` the current document (update)."""
    if not isinstance(data, dict):
        return Cleaned({}, None, None, [FieldError("$", "输入", "必须是 JSON 对象")])
    # A deep copy of what the document takes from data and merged_into: the caller's values are
    # never shared, so the form can prepare it in place (list items get their ids).
    doc = copy_doc(merged_into) if merged_into else {}
    for k, v in data.items():
        if k in RESIDENT_ONLY:
            continue
        if isinstance(v, str):  # _text() and copy_doc() inlined for the commonest value
            v = v.strip()
            if v:
                doc[k] = v
                continue
        if v in ("", None):
            doc.pop(k, None)
        else:
            doc[k] = copy_doc(v)
    village = _text(data.get("village"))
    household = _text(data.get("household"))
    now = today()
    errors: list[FieldError] = []

    name = doc.get("name")
    if not isinstance(name, str) or not name:
        errors.append(err("name", "不能为空"))
    elif len(name) > 40 or _NAME_SYMBOLS.search(name):
        errors.append(err("name", "须为1–40个字，不能含数字或符号 < > \" ' / \\"))
    else:
        doc["name"] = _SPACES.sub(" ", name)

    info = None
    if doc.get("id_number"):
        if not isinstance(doc["id_number"], str):
            errors.append(err("id_number", "须为文本"))
        else:
            try:
                info = parse(doc["id_number"], today=now)
                doc["id_number"] = info.number
            except IdNumberError as e:
                errors.append(err("id_number", str(e)))

    sex = doc.get("sex")
    if sex is None and info:
        doc["sex"] = sex = info.sex
    if sex is None:
        errors.append(err("sex", "不能为空（0未知的性别 1男 2女 9未说明的性别）"))
    elif not isinstance(sex, str) or sex not in SEX_CODES:
        errors.append(err("sex", f"代码“{sex}”无效，可选：0未知的性别 1男 2女 9未说明的性别"))
    elif info and sex in ("1", "2") and sex != info.sex:
        errors.append(
            err("sex", f"与身份证号不符：身份证号表明为{SEX_CODES[info.sex]}，填写的是{SEX_CODES[sex]}")
        )

    birth = doc.get("birth_date")
    if birth is None and info:
        doc["birth_date"] = birth = info.birth_date
    if birth is None:
        errors.append(err("birth_date", "不能为空（格式 YYYY-MM-DD）"))
    else:
        try:
            bd = dt.date.fromisoformat(birth) if isinstance(birth, str) and len(birth) == 10 else None
        except ValueError:
            bd = None
        if bd is None:
            errors.append(err("birth_date", f"“{birth}”不是有效日期，格式须为 YYYY-MM-DD"))
        elif bd > now:
            errors.append(err("birth_date", "不能晚于今天"))
        elif bd.year < 1880:
            errors.append(err("birth_date", "不能早于1880年"))
        elif info and birth != info.birth_date:
            errors.append(
                err("birth_date", f"与身份证号不符：身份证号中的出生日期为{info.birth_date}")
            )

    phone = doc.get("phone")
    if phone is not None:
        digits = _PHONE_SEPARATORS.sub("", str(phone))
        if not _PHONE.fullmatch(digits):
            errors.append(err("phone", "须为7–15位数字（手机11位，座机可带区号）"))
        elif digits.startswith("1") and len(digits) != 11:
            errors.append(err("phone", "手机号码须为11位"))
        else:
            doc["phone"] = digits

    if household not in (None, ""):
        problem = label_error(household)
        if problem:
            errors.append(err("household", problem))
    if village is not None and not (isinstance(village, str) and _VILLAGE.fullmatch(village)):
        errors.append(err("village", "须为3位数字"))
    elif village == "000":
        errors.append(err("village", "“000”是乡镇本级，居民须归属某个村（居）委会"))

    ctx = forms.ValidationContext(today=now.isoformat(), birth_date=doc.get("birth_date"),
                                  sex=doc.get("sex"))  # fmt: skip
    try:
        doc = prepare_in_place("personal_info", doc, ctx, edition)
        named = {e.key for e in errors}
        # The form checks the identity fields too; report each field's problem once.
        errors.extend(
            e for e in forms.validate("personal_info", doc, ctx, edition)
            if e.key.split("[")[0].split(".")[0] not in named
        )
    except forms.UnknownForm:
        pass  # until the form definition exists, identity fields are all we check
    mother = _text(data.get("mother"))
    if mother not in (None, "") and not isinstance(mother, str):
        errors.append(err("mother", "须为母亲的档案编号或 uuid"))
        mother = None
    return Cleaned(doc, village, household, errors, mother or None)
