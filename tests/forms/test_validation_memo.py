"""forms.validate remembers each field's verdict on a value (an import repeats the same codes):
a remembered verdict must never stand for another field, edition, type or birth date."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from formslib import ctx, keys, only

import forms
from forms import ValidationContext
from forms.examples import example

TWICE = range(2)  # the second round is judged on what the first one left remembered


def person(**changes: Any) -> list[forms.FieldError]:
    doc = example("personal_info") | changes
    return forms.validate("personal_info", doc, ctx())


def followup(**changes: Any) -> list[forms.FieldError]:
    return forms.validate("htn_followup", example("htn_followup") | changes, ctx())


def test_a_code_valid_for_one_field_stays_wrong_for_another() -> None:
    for _ in TWICE:
        # "9" is 9未说明的性别 for sex, but marital has only 1–5; checked in both orders
        assert "sex" not in keys(person(sex="9", marital="9"))
        assert "代码\"9\"" in only(person(marital="9"), "marital").message
        assert "sex" not in keys(person(sex="9"))


def test_each_edition_judges_a_code_by_its_own_table() -> None:
    for _ in TWICE:
        assert "ethnicity" not in keys(forms.validate("personal_info", {"ethnicity": "01"}))
        old = forms.validate("personal_info", {"ethnicity": "01"}, edition="2009")
        assert "代码\"01\"" in only(old, "ethnicity").message


@pytest.mark.parametrize(
    ("value", "says"),
    [(1, None), (True, "实际为true"), (1.0, "实际为1.0"), (1, None), (1.0, "实际为1.0")],
)
def test_equal_numbers_of_another_type_are_judged_apart(value: object, says: str | None) -> None:
    # 1 == True == 1.0 (and hash alike): an int field takes only the 1
    errors = followup(smoking_per_day=value)
    if says is None:
        assert "smoking_per_day" not in keys(errors)
    else:
        assert says in only(errors, "smoking_per_day").message


def test_zero_and_minus_zero_are_shown_as_sent() -> None:
    for _ in TWICE:
        assert only(followup(doctor=0.0), "doctor").message.endswith("实际为0.0")
        assert only(followup(doctor=-0.0), "doctor").message.endswith("实际为-0.0")


def test_a_code_list_and_a_code_text_are_judged_apart() -> None:
    for _ in TWICE:
        assert "payment" not in keys(person(payment=["1"]))
        assert "应为代码列表" in only(person(payment="1"), "payment").message
        assert "payment" not in keys(person(payment=["1", "2"]))
        assert "同一选项重复选择" in only(person(payment=["1", "1"]), "payment").message
        assert "应为代码列表" in only(person(payment=["1", 1]), "payment").message
        assert "应为代码列表" in only(person(payment=[{"code": "1"}]), "payment").message


def test_a_date_is_judged_against_each_document_s_birth_date() -> None:
    diseases = [{"code": "2", "diagnosed": "2000-01"}]
    for _ in TWICE:
        early = person(birth_date="1950-01-01", visit_date="2000-01-01", past_diseases=diseases)
        assert "visit_date" not in keys(early) and "past_diseases[0].diagnosed" not in keys(early)
        late = person(birth_date="2005-01-01", visit_date="2000-01-01", past_diseases=diseases)
        assert "不能早于出生日期（2005-01-01）" in only(late, "visit_date").message
        assert "不能早于出生日期" in only(late, "past_diseases[0].diagnosed").message


def test_a_date_is_judged_against_each_context() -> None:
    doc = example("htn_followup")
    for _ in TWICE:
        assert "visit_date" not in keys(forms.validate("htn_followup", doc, ctx()))
        born_later = ValidationContext(today="2024-06-30", birth_date="2024-05-01")
        errors = forms.validate("htn_followup", doc, born_later)
        assert "不能早于出生日期" in only(errors, "visit_date").message
        too_early = ValidationContext(today="2024-04-01")
        assert "不能晚于今天" in only(forms.validate("htn_followup", doc, too_early), "visit_date").message


def test_memory_is_bounded_and_verdicts_stay_right_past_it(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("forms.validate")
    monkeypatch.setattr(module, "MEMO_MAX", 3)
    form = forms.get_form("htn_followup")
    memo = module._index(form).memos[id(form.field("doctor"))]
    memo.clear()
    for i in range(10):
        assert "doctor" not in keys(followup(doctor=f"医生{i}"))
    assert len(memo) == 3
    assert "最多" in only(followup(doctor="长" * 500), "doctor").message
    assert "doctor" not in keys(followup(doctor="医生9"))  # not remembered, checked again
