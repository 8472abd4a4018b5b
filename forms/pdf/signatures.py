"""Signature cells (医生签字, 随访医生签名, 转诊医生（签字）…): left empty on paper for the
doctor's own hand unless the installation chooses to print the typed name."""

from __future__ import annotations

from typing import Any

from forms.model import Field, FormDef
from forms.pdf.forms_print import edition_of, resolve
from forms.registry import UnknownForm


def is_signature(f: Field) -> bool:
    """A cell the paper form leaves for a handwritten signature."""
    return bool(f.layout.get("signature")) or "签字" in f.label or "签名" in f.label


def unsigned_doc(form: FormDef, doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every signature cell emptied, list items' included (会诊医生签字)."""
    out = dict(doc)
    for f in form.fields():
        if is_signature(f):
            out.pop(f.key, None)
        elif f.item_fields and isinstance(out.get(f.key), list):
            sig = [i.key for i in f.item_fields if is_signature(i)]
            if sig:
                out[f.key] = [
                    {k: v for k, v in item.items() if k not in sig}
                    if isinstance(item, dict)
                    else item
                    for item in out[f.key]
                ]
    return out


def unsigned(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as they print by default: signature cells empty."""
    out = []
    for rec in records:
        try:
            base = resolve(str(rec.get("form")))
            form = edition_of(base, str(rec.get("edition") or base.edition))
        except UnknownForm:
            out.append(rec)
            continue
        out.append(dict(rec, doc=unsigned_doc(form, dict(rec.get("doc") or {}))))
    return out
