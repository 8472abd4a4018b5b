"""Which forms fit a resident: the rule behind the form chooser (and the warnings for a form that
does not fit), kept free of Qt and of the database so the UI, the CLI and tests share it.

A form fits when the resident belongs to the population the 2017 Standard fills it for: the
hypertension and diabetes follow-ups need the resident's tag (htn / dm, from past diseases or an
earlier follow-up), the elderly self-care assessment needs an age of 65 or more, and a form held
for one sex needs that sex. Every other form fits everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ELDERLY_AGE = 65


@dataclass(frozen=True)
class FitRule:
    """Who a form is for. Empty means anyone."""

    tag: str | None = None  # a resident tag ("htn", "dm")
    min_age: int | None = None
    sex: str | None = None  # GB/T 2261.1 code ("1" male, "2" female)
    why: str = ""  # said when the rule is not met (Chinese)


# Rules as data: a new form for a population (e.g. maternal care, sex "2") is one line here.
RULES: dict[str, FitRule] = {
    "htn_followup": FitRule(tag="htn", why="未登记高血压（既往史或以往随访中没有高血压）"),
    "dm_followup": FitRule(tag="dm", why="未登记2型糖尿病（既往史或以往随访中没有糖尿病）"),
    "elderly_selfcare": FitRule(min_age=ELDERLY_AGE, why="未满65岁（老年人生活自理能力评估用于65岁及以上老年人）"),
}

# Forms that are a visit or an event (what 新增随访 offers), in the order the chooser lists them
# when several fit: the key-population follow-ups first, as the doctor does them most.
VISIT_FORMS = ("htn_followup", "dm_followup", "health_exam", "elderly_selfcare", "encounter",
               "consultation", "referral")  # fmt: skip
# Forms that are not records of a visit: the basic information lives on the resident, the cover
# and the record card are printed from it.
RESIDENT_FORMS = ("personal_info", "cover", "info_card")

SEX_WORDS = {"1": "男性", "2": "女性"}


def age_on(birth_date: str | None, on: dt.date) -> int | None:
    try:
        b = dt.date.fromisoformat(birth_date or "")
    except ValueError:
        return None
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def why_not(resident: Mapping[str, Any], form: str, on: dt.date | None = None) -> str | None:
    """None when `form` fits `resident` (a dict with tags, birth_date, sex as the services return
    it); otherwise why not, in Chinese, to show or to ask "fill it anyway?"."""
    rule = RULES.get(form)
    if rule is None:
        return None
    tags = resident.get("tags") or []
    if isinstance(tags, str):
        tags = tags.split()
    if rule.tag is not None and rule.tag not in tags:
        return rule.why
    if rule.min_age is not None:
        age = age_on(resident.get("birth_date"), on or dt.date.today())
        if age is None or age < rule.min_age:
            return rule.why
    if rule.sex is not None and resident.get("sex") != rule.sex:
        return rule.why or f"仅用于{SEX_WORDS.get(rule.sex, rule.sex)}"
    return None


def fits(resident: Mapping[str, Any], form: str, on: dt.date | None = None) -> bool:
    return why_not(resident, form, on) is None


def fitting_visit_forms(resident: Mapping[str, Any], on: dt.date | None = None) -> list[str]:
    """The visit forms that fit, in the order to offer them (the first is the default)."""
    return [f for f in VISIT_FORMS if fits(resident, f, on)]
