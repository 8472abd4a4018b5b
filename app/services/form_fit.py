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

# Forms that are a visit or an event (what 新增随访 offers), in the order the chooser lists them
# when several fit: the key-population follow-ups first, as the doctor does them most; the
# once-only enrolment forms of the SMI and TB programmes last.
VISIT_FORMS = ("htn_followup", "dm_followup", "smi_followup", "tb_followup", "health_exam",
               "elderly_selfcare", "elderly_tcm", "prenatal_first", "prenatal_followup",
               "postpartum_visit", "postpartum_42d", "pregnancy_outcome", "encounter", "consultation", "referral",
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
    """The visit forms that fit, in the order to offer them (the first is the default)."""
    return [f for f in VISIT_FORMS if fits(resident, f, on)]
