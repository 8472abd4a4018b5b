"""One module per standard form; `build_all` makes each of them in every edition (forms.registry
looks them up: the definitions do not know the registry, so the two do not import each other)."""

from __future__ import annotations

from forms.codes import EDITIONS
from forms.definitions import (
    child,
    clinical,
    elderly_selfcare,
    elderly_tcm,
    followup,
    health_exam,
    maternal,
    personal_info,
    referral,
    resident_docs,
    smi,
    tb,
)
from forms.model import FormDef

# The order of the 表单目录, which is also the booklet order: cover, basic information, exams,
# follow-ups, other records; the card is printed on its own.
BUILDERS = (
    resident_docs.build_cover,
    personal_info.build,
    health_exam.build,
    elderly_selfcare.build,
    elderly_tcm.build,
    followup.build_htn,
    followup.build_dm,
    maternal.build_first,
    maternal.build_followup,
    maternal.build_postpartum,
    maternal.build_42d,
    child.build_newborn,
    child.build_1_8m,
    child.build_12_30m,
    child.build_3_6y,
    child.build_tcm,
    smi.build_supplement,
    smi.build_followup,
    tb.build_first,
    tb.build_followup,
    clinical.build_encounter,
    clinical.build_consultation,
    referral.build,
    resident_docs.build_card,
)
ORDER = (
    "cover",
    "personal_info",
    "health_exam",
    "elderly_selfcare",
    "elderly_tcm",
    "htn_followup",
    "dm_followup",
    "prenatal_first",
    "prenatal_followup",
    "postpartum_visit",
    "postpartum_42d",
    "newborn_visit",
    "child_1_8m",
    "child_12_30m",
    "child_3_6y",
    "child_tcm",
    "smi_supplement",
    "smi_followup",
    "tb_first_visit",
    "tb_followup",
    "encounter",
    "consultation",
    "referral",
    "info_card",
)


def build_all() -> list[FormDef]:
    """Every form in every edition, in the order above."""
    return [build(edition) for edition in EDITIONS for build in BUILDERS]
