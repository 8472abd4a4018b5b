"""A child's growth: every measurement (weight, length/height, head circumference) in the
resident's records, with the age in days, the WHO z-scores and the evaluation (forms/growth.py).

Each form names where it keeps each measurement (FormDef.measures(): "weight", "height",
"head"), so any form that records them counts: the child health checks, and the newborn visit.
`cunyi growth REF`, the resident view's growth charts and the booklet's chart page read this."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

import forms
from app.clock import today
from app.db.models import Record
from app.errors import InvalidInput
from app.services import audit, refs
from forms import growth
from forms.checks import parse_date

if TYPE_CHECKING:
    from app.store import Store

GROWTH_MEASURES = growth.GROWTH_MEASURES


@cache
def measure_keys(code: str, edition: str | None = None) -> dict[str, str]:
    """The growth measurements form `code` holds: name -> key (empty for other forms)."""
    try:
        keys = forms.get_form(code, edition).measures()
    except forms.UnknownForm:
        return {}
    return {m: k for m, k in keys.items() if m in GROWTH_MEASURES}


@cache
def growth_forms() -> tuple[str, ...]:
    """The forms that record a growth measurement (any edition)."""
    return tuple(c for c in forms.form_codes() if measure_keys(c))


def measurements(sex: str | None, birth_date: str | None, records: Iterable[Mapping[str, Any]],
                 rules: growth.GrowthRules | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """forms.growth.measurements with the forms' own measurement keys."""
    return growth.measurements(sex, birth_date, records, measure_keys, rules)


def is_child(birth_date: str | None, on: dt.date | None = None) -> bool:
    """0 to 7 years old (the programme's 6 years and the 6岁 check's window) on `on` (today)."""
    on = on or today()
    birth = parse_date(birth_date)
    return birth is not None and 0 <= (on - birth).days <= growth.MAX_AGE_DAYS


def report(resident: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The growth of one resident (residents.full-like dict) from their records."""
    rules = growth.default_rules()
    rows = measurements(resident.get("sex"), resident.get("birth_date"), records, rules)
    return {
        "resident": {k: resident.get(k) for k in ("uuid", "name", "record_no", "sex", "birth_date")},
        "reference": rules.reference,
        "reference_label": rules.reference_label,
        "cutoffs_verified": not rules.verify,
        "indicators": growth.INDICATORS,
        "measurements": rows,
    }


def of_resident(store: Store, ref: str) -> dict[str, Any]:
    """`cunyi growth REF`: the child's measurements evaluated; InvalidInput for a resident the
    WHO standards cannot judge (no birth date, sex not known). Measurements past the
    programme's age (7 years) are listed without z-scores."""
    with store.session(write=True) as s:
        r = refs.resident(s, ref)
        if parse_date(r.birth_date) is None:
            raise InvalidInput.field("birth_date", "出生日期",
                                     f"居民 {r.name}（{r.record_no}）没有出生日期，无法按年龄评价生长发育")
        if growth.sex_key(r.sex) is None:
            raise InvalidInput.field("sex", "性别",
                                     f"居民 {r.name}（{r.record_no}）的性别未知；生长标准按性别分列，无法评价")
        rows = s.execute(
            select(Record.uuid, Record.form, Record.edition, Record.visit_date, Record.doc)
            .where(Record.resident_uuid == r.uuid, Record.form.in_(growth_forms()))
            .order_by(Record.visit_date, Record.created_at)
        ).all()
        records = [{"uuid": u, "form": f, "edition": e, "visit_date": d, "doc": json.loads(doc)}
                   for u, f, e, d, doc in rows if measure_keys(f, e)]  # fmt: skip
        out = report({"uuid": r.uuid, "name": r.name, "record_no": r.record_no, "sex": r.sex,
                      "birth_date": r.birth_date}, records)  # fmt: skip
        audit.append(s, store.user.name, "view", "resident", r.uuid, {"what": "growth"})
        return out
