"""Which forms to offer for a resident: the order of the visit forms and the rule of which fit,
for the form chooser of 新增随访 and the resident view's form menu. Qt-free.

The rule itself is `record_warnings.form_fit`, the same one that asks "save anyway?" when a record
of a form that does not fit is saved: HTN/DM follow-ups need the diagnosis (tag htn/dm), the
elderly self-care and TCM assessments an age of 65 or more; every other form fits everyone. One rule, so
the chooser never offers as fitting what saving then questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from app.services.record_warnings import ResidentFacts, form_fit
from forms.checks import parse_date
from forms.definitions.child import CHILD_FORMS, age_months

# Forms that are a visit or an event (what 新增随访 offers), in the order the chooser lists them
# when several fit: the key-population follow-ups first, as the doctor does them most; the
# once-only enrolment forms of the SMI and TB programmes last.
VISIT_FORMS = ("htn_followup", "dm_followup", "smi_followup", "tb_followup", "health_exam",
               "elderly_selfcare", "elderly_tcm", "prenatal_first", "prenatal_followup",
               "postpartum_visit", "postpartum_42d", "newborn_visit", "child_1_8m",
               "child_12_30m", "child_3_6y", "child_tcm", "encounter", "consultation", "referral",
               "smi_supplement", "tb_first_visit")  # fmt: skip
# Forms that are not records of a visit: the basic information lives on the resident, the cover
# and the record card are printed from it.
RESIDENT_FORMS = ("personal_info", "cover", "info_card")


def why_not(resident: Mapping[str, Any], form: str, on: dt.date | None = None) -> str | None:
    """None when `form` fits `resident` (a dict with tags, birth_date, sex as the services return
    it) on day `on` (default today); otherwise why not, in Chinese."""
    warning = form_fit(form, ResidentFacts.of(dict(resident)), on or dt.date.today())
    return warning.reason if warning else None


def fits(resident: Mapping[str, Any], form: str, on: dt.date | None = None) -> bool:
    return why_not(resident, form, on) is None


def fitting_visit_forms(resident: Mapping[str, Any], on: dt.date | None = None) -> list[str]:
    """The visit forms that fit, in the order to offer them (the first is the default). For a
    child, the children's forms come first, the sheet of the child's age leading."""
    return [f for f in offer_order(resident, on) if fits(resident, f, on)]


def offer_order(resident: Mapping[str, Any], on: dt.date | None = None) -> list[str]:
    """Every visit form in the order the chooser lists them for this resident: VISIT_FORMS,
    with a child's forms first (the sheet of the child's age leading)."""
    first = child_form_for_age(resident.get("birth_date"), on or dt.date.today())
    if first is None:
        return list(VISIT_FORMS)
    lead = [first, *(f for f in CHILD_FORMS if f != first)]
    return lead + [f for f in VISIT_FORMS if f not in lead]


def child_form_for_age(birth_date: Any, on: dt.date) -> str | None:
    """The child form of this age (新生儿 in the first month, then the check sheet whose columns
    cover the age), None from 7 years on or without a birth date."""
    birth = parse_date(birth_date)
    if birth is None or birth > on:
        return None
    months, _days = age_months(birth, on)
    if months >= 84:
        return None
    if months < 1:
        return "newborn_visit"
    return "child_1_8m" if months < 12 else "child_12_30m" if months < 36 else "child_3_6y"
