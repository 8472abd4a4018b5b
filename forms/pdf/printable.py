"""Checks, before anything is drawn, that every value a print would carry can be drawn by the
bundled fonts; a value that cannot stops the print with the field named (UnprintableText)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from forms.model import FieldError, FormDef
from forms.pdf.fonts import UnprintableText, bad_chars_message, unprintable
from forms.registry import UnknownForm, get_form

# Resident facts that are not fields of the person forms (printing.py adds them).
EXTRA_LABELS = {
    "institution": "建档单位",
    "doctor": "责任医生",
    "creator": "建档人",
    "household_head": "户主",
    "township": "乡镇（街道）名称",
    "village_name": "村（居）委会名称",
}
PERSON_FORMS = ("personal_info", "cover", "info_card")


_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def _labels(form: FormDef | None) -> dict[str, str]:
    """Label of every field key (list items as "key.item"); cached per form and edition: a
    village prints the same few forms thousands of times (callers do not change the dict)."""
    if form is None:
        return {}
    key = (form.code, form.edition)
    if key not in _LABELS:
        _LABELS[key] = _field_labels(form)
    return _LABELS[key]


def _field_labels(form: FormDef) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in form.fields():
        out.setdefault(f.key, f.label)
        for item in f.item_fields:
            out.setdefault(f"{f.key}.{item.key}", f"{f.label}（{item.label}）")
    return out


@lru_cache(maxsize=1)
def _person_labels() -> dict[str, str]:
    labels: dict[str, str] = dict(EXTRA_LABELS)
    for code in reversed(PERSON_FORMS):  # the 个人基本信息表 labels win
        labels.update(_labels(_form(code)))
    return labels


def _form(code: str) -> FormDef | None:
    try:
        return get_form(code)
    except UnknownForm:
        return None


def _walk(value: Any, key: str, labels: dict[str, str], out: list[FieldError]) -> None:
    if isinstance(value, str):
        bad = unprintable(value)
        if bad:
            label = labels.get(key) or labels.get(key.rsplit(".", 1)[-1]) or key
            out.append(FieldError(key, label, bad_chars_message(bad)))
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ("id", "uuid"):
                continue
            _walk(v, f"{key}.{k}" if key else str(k), labels, out)
    elif isinstance(value, list):
        for v in value:
            _walk(v, key, labels, out)


def check_printable(resident: dict[str, Any], records: Iterable[dict[str, Any]] = ()) -> None:
    """Raise UnprintableText naming every field (of the resident and of each record) that holds
    a character no bundled font draws; the message names the resident's record number."""
    labels = _person_labels()
    errors: list[FieldError] = []
    for k, v in resident.items():
        if k in ("doc", "uuid", "cover_doc", "card_doc"):
            continue
        _walk(v, k, labels, errors)
    for k in ("doc", "cover_doc", "card_doc"):
        _walk(resident.get(k) or {}, "", labels, errors)
    for rec in records:
        form = _form(str(rec.get("form")))
        rec_labels = _labels(form)
        found: list[FieldError] = []
        _walk(rec.get("doc") or {}, "", rec_labels, found)
        title = form.title if form else str(rec.get("form"))
        errors += [FieldError(e.key, f"{title} {e.label}", e.message) for e in found]
    if errors:
        chars = [ch for e in errors for ch in e.message if unprintable(ch)]
        raise UnprintableText(list(dict.fromkeys(chars)), _dedupe(errors))


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: dict[tuple[str, str], FieldError] = {}
    for e in errors:
        seen.setdefault((e.label, e.message), e)
    return list(seen.values())
