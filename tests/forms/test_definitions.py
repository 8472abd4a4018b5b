"""The form definitions: codes and keys other parts rely on, code tables per edition, examples."""

from __future__ import annotations

import pytest
from formslib import ctx

import forms
from forms.examples import example

FOLLOWUPS = ("htn_followup", "dm_followup")


@pytest.mark.parametrize("code", ["personal_info", *FOLLOWUPS])
def test_example_validates_clean(code: str) -> None:
    assert forms.validate(code, example(code), ctx()) == []


@pytest.mark.parametrize("code", FOLLOWUPS)
def test_followup_keys_and_codes(code: str) -> None:
    form = forms.get_form(code)
    assert form.layout == "columns" and form.visits_per_page == 4
    for key in (
        "visit_date",
        "visit_method",
        "sbp",
        "dbp",
        "weight_kg",
        "heart_rate",
        "medication_adherence",
        "classification",
        "next_visit_date",
    ):
        form.field(key)
    assert form.field("sbp").unit == form.field("dbp").unit == "mmHg"
    assert [(c.code, c.label) for c in form.table(form.field("visit_method")).codes] == [
        ("1", "门诊"),
        ("2", "家庭"),
        ("3", "电话"),
    ]
    assert [c.label for c in form.table(form.field("medication_adherence")).codes] == [
        "规律",
        "间断",
        "不服药",
    ]
    assert [c.label for c in form.table(form.field("classification")).codes] == [
        "控制满意",
        "控制不满意",
        "不良反应",
        "并发症",
    ]


def test_dm_has_fasting_glucose_in_mmol() -> None:
    f = forms.get_form("dm_followup").field("fasting_glucose")
    assert f.unit == "mmol/L" and (f.min, f.max) == (1, 40)


def test_personal_info_keys() -> None:
    form = forms.get_form("personal_info")
    assert form.layout == "sheet"
    for key in (
        "name",
        "sex",
        "birth_date",
        "id_number",
        "phone",
        "address",
        "blood_abo",
        "blood_rh",
        "education",
        "occupation",
        "marital",
    ):
        form.field(key)
    assert form.field("payment").type == form.field("drug_allergy").type == "multicode"
    diseases = form.field("past_diseases")
    assert diseases.type == "list"
    assert {f.key for f in diseases.item_fields} >= {"code", "diagnosed"}
    assert [(c.code, c.label) for c in form.table(form.field("sex")).codes] == [
        ("1", "男"),
        ("2", "女"),
        ("9", "未说明的性别"),
        ("0", "未知的性别"),
    ]
    for resident_level in ("village", "household"):
        with pytest.raises(KeyError):
            form.field(resident_level)
