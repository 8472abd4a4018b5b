"""The form definitions: codes and keys other parts rely on, code tables per edition, examples."""

from __future__ import annotations

import pytest
from formslib import ALL, ctx

import forms
from forms.examples import example

FOLLOWUPS = ("htn_followup", "dm_followup")
COLUMN_FORMS = (*FOLLOWUPS, "prenatal_followup", "child_1_8m", "child_12_30m", "child_3_6y",
                "child_tcm", "tb_followup")  # one visit per paper column


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


TITLES = {
    "cover": "居民健康档案封面",
    "personal_info": "个人基本信息表",
    "health_exam": "健康体检表",
    "htn_followup": "高血压患者随访服务记录表",
    "dm_followup": "2型糖尿病患者随访服务记录表",
    "elderly_selfcare": "老年人生活自理能力评估表",
    "elderly_tcm": "老年人中医药健康管理服务记录表",
    "prenatal_first": "第1次产前检查服务记录表",
    "prenatal_followup": "第2～5次产前随访服务记录表",
    "postpartum_visit": "产后访视记录表",
    "postpartum_42d": "产后42天健康检查记录表",
    "newborn_visit": "新生儿家庭访视记录表",
    "child_1_8m": "1～8月龄儿童健康检查记录表",
    "child_12_30m": "12～30月龄儿童健康检查记录表",
    "child_3_6y": "3～6岁儿童健康检查记录表",
    "child_tcm": "儿童中医药健康管理服务记录表",
    "smi_supplement": "严重精神障碍患者个人信息补充表",
    "smi_followup": "严重精神障碍患者随访服务记录表",
    "tb_first_visit": "肺结核患者第一次入户随访记录表",
    "tb_followup": "肺结核患者随访服务记录表",
    "encounter": "接诊记录表",
    "consultation": "会诊记录表",
    "referral": "双向转诊单",
    "info_card": "居民健康档案信息卡",
}
# The layout-hint vocabulary documented in forms/model.py: the PDF and UI helpers rely on it.
FIELD_HINTS = {
    "row",
    "bands",
    "derived_from",
    "tcm_type",
    "join",
    "pair",
    "pair_role",
    "boxes",
    "box_width",
    "options",
    "lines",
    "rows",
    "prefix",
    "suffix",
    "applies_to",
    "short",
    "digit_groups",
    "style",
    "star",
    "signature",
    "group",
    "label",
    "print",
    "mask",
    "digits",
    "width",
    "inline",
    "cross",  # 齿列: the text fields written in each option's quadrant cross
    "fixed",  # 视力 5.0 keeps its decimal
    "slots",  # a list printed in the paper's fixed rows (用药情况: 药物名称1-3, 其他药物)
    "levels",  # 自理能力评估: what each level means, printed in the grid
    "points",  # 自理能力评估: the points of each level
    "at",  # slotted column forms: the columns (ages) that have this cell; others print "——"
    "slot_row",  # slotted column forms: fields of one printed row, each in its own columns
    "slot_codes",  # slotted column forms: other printed words for the same codes per column
}
SECTION_HINTS = {
    "role",
    "tcm_questions",
    "tcm_results",
    "columns",
    "side",
    "applies_when",
    "stub_of",
    "stub",
    "label",
    "level_grid",  # items x levels grid (老年人生活自理能力评估表)
    "level_total",  # its 总评分 and 判断 row
}


def test_every_form_is_registered_in_both_editions() -> None:
    assert sorted(forms.form_codes()) == sorted(ALL)
    for code in ALL:
        for edition in ("2017", "2009"):
            form = forms.get_form(code, edition)
            assert form.code == code and form.edition == edition
        assert forms.get_form(code).title == TITLES[code]


@pytest.mark.parametrize("code", ALL)
def test_every_example_validates_clean(code: str) -> None:
    assert forms.validate(code, example(code), ctx()) == []


@pytest.mark.parametrize("code", ALL)
def test_every_example_uses_every_section(code: str) -> None:
    """The examples feed PDF and UI tests: each section has at least one value to show."""
    doc = example(code)
    form = forms.get_form(code)
    for s in form.sections:
        if s.layout.get("applies_when") and any(
            doc.get(k) != v for k, v in s.layout["applies_when"].items()
        ):
            continue
        if all(f.computed for f in s.fields):
            continue
        assert any(f.key in doc for f in s.fields), s.key


@pytest.mark.parametrize("code", ALL)
@pytest.mark.parametrize("edition", ["2017", "2009"])
def test_definition_is_consistent(code: str, edition: str) -> None:
    form = forms.get_form(code, edition)
    keys = [f.key for f in form.fields()]
    assert len(keys) == len(set(keys))
    assert form.field("visit_date") if code not in ("info_card",) else True
    for f in form.fields():
        assert f.key.isascii() and f.key == f.key.lower() and " " not in f.key
        assert f.label and not f.label.isascii(), f.key  # a Chinese label
        assert "*" not in f.label, f.key  # the paper's * is the layout hint "star"
        for g in (f, *f.item_fields):
            if g.codes:
                assert form.table(g).codes
            assert set(g.layout) <= FIELD_HINTS, (g.key, set(g.layout) - FIELD_HINTS)
            if g.type in ("int", "decimal"):
                assert g.min is not None and g.max is not None and g.min < g.max, g.key
            if g.type == "text":
                assert g.max_length, g.key
    for s in form.sections:
        assert set(s.layout) <= SECTION_HINTS, (s.key, set(s.layout) - SECTION_HINTS)


def test_layouts() -> None:
    assert {c for c in ALL if forms.get_form(c).layout == "columns"} == set(COLUMN_FORMS)
    assert forms.get_form("info_card").layout == "card"
    assert forms.get_form("personal_info").paper["header"] == ["name", "record_no8"]
    assert forms.get_form("referral").paper["letter"] is True  # 存根, cut line, letter slip
    assert forms.get_form("cover").field("record_no").layout["digit_groups"] == [6, 3, 3, 5]


def test_health_exam_has_the_twelve_sections_in_paper_order() -> None:
    form = forms.get_form("health_exam")
    body = [s.label for s in form.sections if s.layout.get("role") != "header"]
    assert body == [
        "症状",
        "一般状况",
        "生活方式",
        "脏器功能",
        "查体",
        "辅助检查",
        "现存主要健康问题",
        "住院治疗情况",
        "主要用药情况",
        "非免疫规划预防接种史",
        "健康评价",
        "健康指导",
    ]
    for key in ("sbp_left", "dbp_left", "height_cm", "weight_kg", "waist_cm"):
        assert not form.field(key).computed
    assert form.field("bmi").computed
    assert (form.field("height_cm").min, form.field("height_cm").max) == (30, 250)


def test_referral_has_out_and_back_parts() -> None:
    form = forms.get_form("referral")
    assert form.section("out").layout["applies_when"] == {"referral_type": "1"}
    assert form.section("back").layout["applies_when"] == {"referral_type": "2"}
    assert form.section("patient").layout["stub"] is True


def test_info_card_fields_from_the_reference() -> None:
    form = forms.get_form("info_card")
    front = {f.key for f in form.section("front").fields}
    back = {f.key for f in form.section("back").fields}
    assert {
        "name",
        "sex",
        "birth_date",
        "record_no",
        "blood_abo",
        "blood_rh",
        "chronic_diseases",
        "allergies",
    } == front
    assert {
        "address",
        "home_phone",
        "emergency_contact",
        "emergency_phone",
        "institution",
        "institution_phone",
        "doctor",
        "doctor_phone",
        "notes",
    } == back
    assert form.paper["size_mm"] == [85.6, 54.0]


def test_example_is_a_fresh_copy_and_unknown_code_raises() -> None:
    a = example("personal_info")
    a["past_diseases"].clear()
    assert example("personal_info")["past_diseases"]
    with pytest.raises(forms.UnknownForm):
        example("nope")


def test_measurements_are_named_once_per_form_on_number_fields():
    # The resident's charts ask each form for sbp, dbp, glucose and weight by name.
    from forms.model import MEASURES
    from forms.registry import editions

    named = {}
    for code in forms.form_codes():
        for edition in editions(code):
            form = forms.get_form(code, edition)
            marked = [f for f in form.fields() if f.measure]
            assert all(f.measure in MEASURES and f.type in ("int", "decimal") for f in marked)
            assert len({f.measure for f in marked}) == len(marked), (code, edition)
            named[(code, edition)] = form.measures()
    for edition in ("2017", "2009"):
        assert named[("htn_followup", edition)].keys() >= {"sbp", "dbp", "weight"}
        assert named[("dm_followup", edition)].keys() == {"sbp", "dbp", "glucose", "weight"}
        assert named[("health_exam", edition)] == {"sbp": "sbp_left", "dbp": "dbp_left",
                                                   "glucose": "fasting_glucose", "weight": "weight_kg"}
