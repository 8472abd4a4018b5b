"""forms.validate / forms.prepare: every rule refuses a bad document and names the field."""

from __future__ import annotations

import pytest
from formslib import ctx, keys, only

import forms
from forms import ValidationContext
from forms.examples import example


def check(code: str, **changes: object) -> list[forms.FieldError]:
    doc = example(code)
    for k, v in changes.items():
        if v is ...:
            doc.pop(k, None)
        else:
            doc[k] = v
    return forms.validate(code, doc, ctx())


# --- document shape -------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [[], "x", 3, None])
def test_document_must_be_an_object(doc: object) -> None:
    errors = forms.validate("htn_followup", doc)
    assert len(errors) == 1 and errors[0].key == "$"
    assert "JSON 对象" in str(errors[0])


def test_unknown_key_refused() -> None:
    e = only(check("htn_followup", blood_sugar=5), "blood_sugar")
    assert e.label == "未知字段" and "没有这一项" in e.message


def test_unknown_form_and_edition_raise() -> None:
    with pytest.raises(forms.UnknownForm):
        forms.validate("nope", {})
    with pytest.raises(forms.UnknownForm):
        forms.get_form("htn_followup", "1999")


def test_all_errors_reported_at_once() -> None:
    errors = check("htn_followup", sbp="high", heart_rate=500, visit_method="4", visit_date=...)
    assert {"sbp", "heart_rate", "visit_method", "visit_date"} <= set(keys(errors))


def test_error_string_names_label_and_key() -> None:
    e = only(check("htn_followup", heart_rate=500), "heart_rate")
    assert str(e).startswith("心率：") and e.keyed().startswith("心率（heart_rate）：")
    assert "20～250次/分" in str(e)


# --- types and ranges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("sbp", 40, "50～300mmHg"),
        ("sbp", 301, "50～300mmHg"),
        ("dbp", 20, "30～200mmHg"),
        ("sbp", "150", "应为整数"),
        ("sbp", 150.5, "应为整数"),
        ("sbp", True, "应为整数"),
        ("weight_kg", "60", "应为数字"),
        ("weight_kg", 60.25, "1位小数"),
        ("weight_kg", 1, "2～300kg"),
        ("heart_rate", 10, "20～250"),
    ],
)
def test_numbers_typed_and_in_range(key: str, value: object, says: str) -> None:
    assert says in only(check("htn_followup", **{key: value}), key).message


def test_glucose_bounds() -> None:
    assert (
        "1～40mmol/L" in only(check("dm_followup", fasting_glucose=0.5), "fasting_glucose").message
    )
    assert (
        "1～40mmol/L" in only(check("dm_followup", fasting_glucose=41), "fasting_glucose").message
    )
    assert check("dm_followup", fasting_glucose=40) == []


def test_sbp_must_exceed_dbp() -> None:
    e = only(check("htn_followup", sbp=90, dbp=90), "dbp")
    assert "收缩压" in e.message and "sbp" not in e.message


def test_blood_pressure_pair_required_together() -> None:
    assert "sbp" in keys(check("htn_followup", sbp=...))


def test_text_too_long_and_control_characters() -> None:
    assert "最多50个字" in only(check("htn_followup", doctor="张" * 51), "doctor").message
    assert "控制字符" in only(check("htn_followup", doctor="张\x00"), "doctor").message


# --- codes ----------------------------------------------------------------------------------


def test_code_must_exist_and_options_are_listed() -> None:
    e = only(check("htn_followup", visit_method="4"), "visit_method")
    assert "1门诊 2家庭 3电话" in e.message


def test_code_must_be_a_string() -> None:
    assert "应为代码文字" in only(check("htn_followup", classification=1), "classification").message


def test_multicode_exclusive_none() -> None:
    e = only(check("htn_followup", symptoms=["1", "2"]), "symptoms")
    assert "1无症状" in e.message and "不能与其他选项同时选择" in e.message


def test_multicode_duplicates_and_unknown_codes() -> None:
    assert "重复" in only(check("htn_followup", symptoms=["2", "2"]), "symptoms").message
    assert '"10"' in only(check("htn_followup", symptoms=["10"]), "symptoms").message
    assert "代码列表" in only(check("htn_followup", symptoms="2"), "symptoms").message


def test_multicode_box_limit() -> None:
    e = only(check("personal_info", payment=["1", "2", "3", "4"]), "payment")
    assert "最多选择3项" in e.message


def test_other_text_only_with_other_code() -> None:
    e = only(check("personal_info", payment=["3"]), "payment_other")
    assert "8其他" in e.message and e.label.startswith("医疗费用支付方式")


def test_other_text_allowed_with_other_code() -> None:
    assert check("dm_followup", adverse_reaction="2", adverse_reaction_other="皮疹") == []


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2024/04/15", "2024-02-30", "20240415", 20240415, "2024-4-1"])
def test_dates_must_be_valid_iso(bad: object) -> None:
    assert "YYYY-MM-DD" in only(check("htn_followup", visit_date=bad), "visit_date").message


def test_date_not_in_future() -> None:
    e = only(
        check("htn_followup", visit_date="2024-07-01", next_visit_date="2024-08-01"), "visit_date"
    )
    assert "不能晚于今天（2024-06-30）" in e.message


def test_date_not_before_birth() -> None:
    e = only(check("htn_followup", visit_date="1950-01-01"), "visit_date")
    assert "不能早于出生日期（1951-03-08）" in e.message


def test_next_visit_after_visit_and_may_be_in_future() -> None:
    assert check("htn_followup", next_visit_date="2025-01-01") == []
    e = only(check("htn_followup", next_visit_date="2024-04-15"), "next_visit_date")
    assert "随访日期" in e.message and "visit_date" not in e.message


def test_required_field_missing() -> None:
    e = only(check("htn_followup", visit_date=...), "visit_date")
    assert e.message == "必须填写（格式YYYY-MM-DD）"
    assert only(check("htn_followup", visit_date=""), "visit_date").message.startswith("必须填写")


# --- personal_info: identity --------------------------------------------------------------


def test_id_number_checksum() -> None:
    e = only(check("personal_info", id_number="110105195103082024"), "id_number")
    assert "校验位" in e.message and "18位" in e.message


def test_id_number_disagrees_with_sex() -> None:
    e = only(check("personal_info", sex="1"), "id_number")
    assert "本表性别" in e.message and "女" in e.message and "sex" not in e.message


def test_id_number_disagrees_with_birth_date() -> None:
    e = only(check("personal_info", birth_date="1951-03-09"), "id_number")
    assert "本表出生日期" in e.message and "1951-03-08" in e.message
    assert "birth_date" not in e.message


def test_id_number_checked_against_context_when_form_lacks_the_field() -> None:
    doc = example("personal_info")
    del doc["sex"]
    other = ValidationContext(today="2024-06-30", sex="1")
    e = only(forms.validate("personal_info", doc, other), "id_number")
    assert "档案中的性别" in e.message


def test_fifteen_digit_id_accepted() -> None:
    doc = {"name": "甲", "sex": "2", "birth_date": "1985-04-09", "id_number": "310112850409522"}
    assert forms.validate("personal_info", doc, ValidationContext(today="2024-06-30")) == []


# --- lists ----------------------------------------------------------------------------------


def test_list_item_errors_name_the_index() -> None:
    doc = example("personal_info")
    doc["past_diseases"][1]["code"] = "99"
    e = only(forms.validate("personal_info", doc, ctx()), "past_diseases[1].code")
    assert "第2项" in e.label


def test_list_item_date_before_birth() -> None:
    doc = example("personal_info")
    doc["past_diseases"][0]["diagnosed"] = "1940-01"
    assert (
        "出生日期"
        in only(forms.validate("personal_info", doc, ctx()), "past_diseases[0].diagnosed").message
    )


def test_list_none_item_stands_alone() -> None:
    doc = example("personal_info")
    doc["past_diseases"].append({"code": "1"})
    e = only(forms.validate("personal_info", doc, ctx()), "past_diseases[3]")
    assert "无" in e.message


def test_list_item_unknown_key_and_duplicate_id() -> None:
    doc = example("personal_info")
    doc["past_diseases"][0]["color"] = "red"
    doc["past_diseases"][1]["id"] = "d1"
    errors = forms.validate("personal_info", doc, ctx())
    assert {"past_diseases[0].color", "past_diseases[1].id"} <= set(keys(errors))


def test_flag_and_items_agree() -> None:
    assert "surgery_items" in keys(check("personal_info", surgery="1"))
    assert "surgery_items" in keys(check("personal_info", surgery_items=[]))


# --- prepare ----------------------------------------------------------------------------------


def test_prepare_gives_list_items_fresh_ids_and_keeps_existing() -> None:
    doc = example("htn_followup")
    doc["medications"].append({"name": "缬沙坦胶囊"})
    out = forms.prepare("htn_followup", doc)
    ids = [m["id"] for m in out["medications"]]
    assert ids[:2] == ["m1", "m2"] and len(ids[2]) == 32 and ids[2] not in ids[:2]
    assert "id" not in doc["medications"][2]  # the input is not changed


def test_unknown_key_suggests_the_close_one() -> None:
    e = only(check("htn_followup", heart_rat=70), "heart_rat")
    assert "“heart_rate”（心率）" in e.message


def test_required_code_lists_options() -> None:
    e = only(check("referral", referral_type=...), "referral_type")
    assert e.message == "必须填写；可选：1转出 2回转"


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("160105194912310029", "地址码"),  # checksum fine, no province 16
        ("110105194902310026", "出生日期"),  # checksum fine, 31 February
        ("11010519491231002", "18位"),
        ("11010519491231002Y", "最后一位"),
    ],
)
def test_id_number_reference_vectors_refused(number: str, says: str) -> None:
    doc = {"name": "甲", "sex": "2", "id_number": number}
    e = only(forms.validate("personal_info", doc | {"birth_date": "1949-12-31"}), "id_number")
    assert says in e.message


def test_id_number_residence_permit_and_reference_example_accepted() -> None:
    today = ValidationContext(today="2024-06-30")
    for number, birth in (
        ("810000199408230021", "1994-08-23"),
        ("11010519491231002X", "1949-12-31"),
    ):
        doc = {"name": "甲", "sex": "2", "birth_date": birth, "id_number": number}
        assert forms.validate("personal_info", doc, today) == []


@pytest.mark.parametrize(
    ("number", "refused"),
    [
        ("１１０１０５１９４９１２３１００２Ｘ", False),  # full-width, as a Chinese input method types
        ("11010519491231002x", False),
        ("1101051949123100²X", False),  # "²" once raised ValueError (a traceback); NFKC: "2"
        ("11010519491231٠٠2X", True),  # Arabic-Indic digits
        ("110105491231٠٠2", True),  # the same in a 15-digit number
    ],
)
def test_id_number_digits_of_other_scripts_are_a_message_not_a_crash(number: str, refused: bool) -> None:
    doc = {"name": "甲", "sex": "2", "birth_date": "1949-12-31", "id_number": number}
    errors = forms.validate("personal_info", doc, ValidationContext(today="2024-06-30"))
    assert [e.key for e in errors] == (["id_number"] if refused else [])
    from app.services.resident_input import clean

    cleaned = clean(doc)
    assert [e.key for e in cleaned.errors] == (["id_number"] if refused else [])
    if not refused:
        assert cleaned.doc["id_number"] == "11010519491231002X"  # stored in ASCII
