"""Cross-field rules of particular forms: each refuses a bad document, naming the field."""

from __future__ import annotations

import pytest
from formslib import ctx, keys, only

import forms
from forms import ValidationContext
from forms.examples import example


def check(
    code: str, c: ValidationContext | None = None, **changes: object
) -> list[forms.FieldError]:
    doc = example(code)
    for k, v in changes.items():
        if v is ...:
            doc.pop(k, None)
        else:
            doc[k] = v
    return forms.validate(code, doc, c or ctx())


# --- health_exam ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("height_cm", 29.9, "30～250cm"),
        ("height_cm", 250.1, "30～250cm"),
        ("weight_kg", 301, "2～300kg"),
        ("waist_cm", 20, "30～200cm"),
        ("sbp_left", 301, "50～300mmHg"),
        ("dbp_left", 201, "30～200mmHg"),
        ("temperature", 45, "34～43℃"),
        ("fasting_glucose", 0.9, "1～40mmol/L"),
        ("vision_left", 5.4, "0～5.3"),
    ],
)
def test_health_exam_ranges(key: str, value: float, says: str) -> None:
    assert says in only(check("health_exam", **{key: value}), key).message


def test_health_exam_left_bp_order() -> None:
    assert "收缩压" in only(check("health_exam", sbp_left=80, dbp_left=85), "dbp_left").message


def test_gynaecology_for_a_man_is_asked_about_not_refused_here() -> None:
    # The record service asks for confirmation (tests/app/test_record_warnings.py): the sex on
    # the record may be the mistake, and a confirmed record must still pass the forms' rules.
    man = ValidationContext(today="2024-06-30", birth_date="1951-03-08", sex="1")
    assert check("health_exam", man, breast=...) == []


def test_prostate_refused_for_a_woman() -> None:
    assert "仅适用于男性" in only(check("health_exam", dre="4"), "dre").message


def test_screen_scores_only_after_a_positive_screen() -> None:
    e = only(check("health_exam", cognition="1", mmse_score=20), "mmse_score")
    assert "认知功能" in e.message and "cognition" not in e.message


def test_quit_age_after_start_age_and_not_above_current_age() -> None:
    assert "drinking_start_age" in keys(check("health_exam", alcohol_quit="2", alcohol_quit_age=30))
    e = only(check("health_exam", drinking_start_age=80), "drinking_start_age")
    assert "73岁" in e.message


def test_lab_values_consistent() -> None:
    message = only(check("health_exam", direct_bilirubin=20.0), "direct_bilirubin").message
    assert "总胆红素" in message and "total_bilirubin" not in message
    assert "hdl" in keys(check("health_exam", hdl=6.0))


def test_evaluation_and_abnormalities_agree() -> None:
    assert "abnormality_1" in keys(check("health_exam", health_evaluation="1"))
    doc_changes = {"abnormality_1": ..., "abnormality_2": ..., "abnormality_3": ...}
    assert "abnormality_1" in keys(check("health_exam", **doc_changes))


def test_weight_target_only_with_the_weight_code() -> None:
    e = only(check("health_exam", risk_control=["3"], risk_vaccine=...), "risk_target_weight_kg")
    assert "5" in e.message


def test_hospital_stay_end_not_before_start() -> None:
    doc = example("health_exam")
    doc["hospital_stays"][0]["end"] = "2018-03-01"
    e = only(forms.validate("health_exam", doc, ctx()), "hospital_stays[0].end")
    assert "住院史第1项" in e.label


def test_hospital_stay_needs_a_start_date() -> None:
    doc = example("health_exam")
    del doc["hospital_stays"][0]["start"]
    assert (
        only(forms.validate("health_exam", doc, ctx()), "hospital_stays[0].start").message
        == "必须填写（格式YYYY-MM-DD）"
    )


# --- follow-ups -------------------------------------------------------------------------------


def test_dm_foot_pulse_side_only_when_weak_or_absent() -> None:
    assert "foot_pulse_side" in keys(check("dm_followup", foot_pulse="1"))


def test_dm_hba1c_date_not_after_visit() -> None:
    e = only(check("dm_followup", hba1c_date="2024-05-07"), "visit_date")
    assert "糖化血红蛋白检查日期" in e.message


# --- personal_info --------------------------------------------------------------------------


def test_past_disease_name_required_for_cancer() -> None:
    doc = example("personal_info")
    del doc["past_diseases"][2]["detail"]
    e = only(forms.validate("personal_info", doc, ctx()), "past_diseases[2].detail")
    assert "6恶性肿瘤" in e.message


def test_past_disease_none_has_no_date() -> None:
    doc = example("personal_info")
    doc["past_diseases"] = [{"code": "1", "diagnosed": "2001-01"}]
    assert "past_diseases[0].diagnosed" in keys(forms.validate("personal_info", doc, ctx()))


def test_month_precision_dates() -> None:
    doc = example("personal_info")
    doc["past_diseases"][0]["diagnosed"] = "2009-13"
    assert (
        "YYYY-MM"
        in only(forms.validate("personal_info", doc, ctx()), "past_diseases[0].diagnosed").message
    )
    doc["past_diseases"][0]["diagnosed"] = "2024-07"
    assert (
        "不能晚于今天"
        in only(forms.validate("personal_info", doc, ctx()), "past_diseases[0].diagnosed").message
    )
    doc["past_diseases"][0]["diagnosed"] = "2024-06"
    assert forms.validate("personal_info", doc, ctx()) == []


def test_day_precision_refuses_a_month() -> None:
    assert "YYYY-MM-DD" in only(check("htn_followup", visit_date="2024-04"), "visit_date").message


def test_phone_pattern() -> None:
    assert "3～20位数字" in only(check("personal_info", phone="call me"), "phone").message


def test_minority_name_only_for_minority() -> None:
    assert "ethnicity_other" in keys(check("personal_info", ethnicity="01"))


def test_birth_date_in_future() -> None:
    errors = check("personal_info", birth_date="2030-01-01", id_number=...)
    assert "不能晚于今天" in only(errors, "birth_date").message


# --- other forms ----------------------------------------------------------------------------


def test_referral_parts_exclusive() -> None:
    e = only(check("referral", diagnosis="高血压3级"), "diagnosis")
    assert "转出单不填写" in e.message
    back = check("referral", referral_type="2")
    assert "initial_impression" in keys(back)


def test_referral_requires_destination() -> None:
    assert only(check("referral", to_institution=...), "to_institution").message == "必须填写"


def test_encounter_needs_some_content() -> None:
    errors = check("encounter", subjective=..., objective=..., assessment=..., plan=...)
    assert "至少填写一项" in only(errors, "subjective").message


def test_consultation_item_needs_doctor() -> None:
    doc = example("consultation")
    del doc["consultants"][1]["doctor"]
    e = only(forms.validate("consultation", doc, ctx()), "consultants[1].doctor")
    assert e.label == "会诊医生及其所在医疗卫生机构第2项·会诊医生签字"


def test_cover_record_number_17_digits() -> None:
    e = only(check("cover", record_no="1101050011010002"), "record_no")
    assert "17位数字" in e.message


def test_card_chronic_none_exclusive() -> None:
    assert (
        "1无" in only(check("info_card", chronic_diseases=["1", "2"]), "chronic_diseases").message
    )


def test_unconfirmed_box_counts_are_not_enforced() -> None:
    # 饮食习惯 prints 3 boxes [U]; four true habits must still be recordable.
    assert check("health_exam", diet=["1", "4", "5", "6"]) == []
