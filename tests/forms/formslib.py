"""Shared helpers for the forms tests (a plain module: no conftest, so names never clash)."""

from __future__ import annotations

from forms import FieldError, ValidationContext
from forms.examples import context

# Every form, in the booklet order (表单目录): written out here, not read from forms.definitions,
# so a form added, lost or moved there is a failing test until this list says so too.
ALL = (
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


def ctx() -> ValidationContext:
    return ValidationContext(**context())


def keys(errors: list[FieldError]) -> list[str]:
    return [e.key for e in errors]


def only(errors: list[FieldError], key: str) -> FieldError:
    """The single error on key (fails, showing every error, if there is not exactly one)."""
    hits = [e for e in errors if e.key == key]
    assert len(hits) == 1, [str(e) for e in errors]
    return hits[0]
