"""Rules the paper forms imply (issue 11): a final follow-up holds the standard's core items,
visual acuity is on the form's five-point scale, "—" cells are not options, and a cover or card
carries its resident's own number."""

from __future__ import annotations

import dataclasses

import pytest
from formslib import ctx, keys, only

import forms
from forms.examples import example


def final() -> forms.ValidationContext:
    return dataclasses.replace(ctx(), final=True)


def without(code: str, *drop: str, **changes: object) -> dict:
    doc = example(code)
    for k in drop:
        doc.pop(k, None)
    doc.update(changes)
    return doc


# --- 1. core items of a final follow-up --------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "missing"),
    [
        ("htn_followup", ("sbp", "dbp")),
        ("htn_followup", ("classification",)),
        ("htn_followup", ("doctor",)),
        ("dm_followup", ("fasting_glucose",)),
        ("dm_followup", ("classification",)),
        ("dm_followup", ("doctor",)),
    ],
)
def test_final_followup_needs_its_core_items(code: str, missing: tuple[str, ...]) -> None:
    errors = forms.validate(code, without(code, *missing), final())
    assert set(keys(errors)) == set(missing), [str(e) for e in errors]
    for key in missing:
        assert "必须填写" in only(errors, key).message and "草稿" in only(errors, key).message


@pytest.mark.parametrize("code", ["htn_followup", "dm_followup"])
def test_a_draft_may_be_partial(code: str) -> None:
    core = ("sbp", "dbp", "fasting_glucose", "classification", "doctor", "next_visit_date")
    assert forms.validate(code, without(code, *core), ctx()) == []


@pytest.mark.parametrize("code", ["htn_followup", "dm_followup"])
def test_next_visit_date_stays_optional(code: str) -> None:
    assert forms.validate(code, without(code, "next_visit_date"), final()) == []


def test_a_bad_core_value_is_reported_once_not_also_as_missing() -> None:
    errors = forms.validate("htn_followup", without("htn_followup", sbp=400), final())
    assert "超出允许范围" in only(errors, "sbp").message


def test_core_items_are_documented() -> None:
    rules = [getattr(r, "text", "") for r in forms.get_form("htn_followup").rules]
    assert any("此次随访分类" in t and "非草稿" in t for t in rules), rules


# --- 3. visual acuity on the five-point scale ---------------------------------------------------


@pytest.mark.parametrize("key", ["vision_left", "vision_right", "corrected_vision_left",
                                 "corrected_vision_right"])  # fmt: skip
def test_decimal_visual_acuity_refused_with_its_five_point_value(key: str) -> None:
    e = only(forms.validate("health_exam", without("health_exam", **{key: 0.8}), ctx()), key)
    assert "五分记录" in e.message and "4.9" in e.message


@pytest.mark.parametrize("value", [3.0, 3.7, 4.0, 4.9, 5.3])
def test_five_point_values_accepted(value: float) -> None:
    assert forms.validate("health_exam", without("health_exam", vision_left=value), ctx()) == []


def test_vision_between_the_scales_refused() -> None:
    e = only(forms.validate("health_exam", without("health_exam", vision_right=2.5), ctx()), "vision_right")
    assert "3～5.3" in e.message


# --- 3. options the paper marks "—" ----------------------------------------------------------


@pytest.mark.parametrize("item", ["eating", "dressing"])
def test_not_applicable_self_care_level_refused(item: str) -> None:
    e = only(forms.validate("elderly_selfcare", without("elderly_selfcare", **{item: "2"}), ctx()), item)
    assert "“—”" in e.message and "1可自理" in e.message and "2轻度依赖" not in e.message.split("可选")[1]


@pytest.mark.parametrize("item", ["grooming", "toileting", "activity"])
def test_mild_dependence_accepted_where_the_paper_has_it(item: str) -> None:
    assert forms.validate("elderly_selfcare", without("elderly_selfcare", **{item: "2"}), ctx()) == []


# --- 3. the cover and the card carry the resident's own number ----------------------------------


@pytest.mark.parametrize("code", ["cover", "info_card"])
def test_cover_and_card_number_must_be_the_residents(code: str) -> None:
    doc = example(code)
    own = dataclasses.replace(ctx(), record_no=doc["record_no"])
    assert forms.validate(code, doc, own) == []
    other = dataclasses.replace(ctx(), record_no="42010600100100099")
    e = only(forms.validate(code, doc, other), "record_no")
    assert "42010600100100099" in e.message and "不一致" in e.message
