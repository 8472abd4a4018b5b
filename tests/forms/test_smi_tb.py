"""严重精神障碍 and 肺结核 forms: the rules each states, the codes that differ by edition or
between the two TB forms, the computed 服药率, and the paper."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms
import forms.pdf as P
from forms.examples import example
from forms.model import ValidationContext
from tests.forms.formslib import ctx
from tests.forms.pdflib import pdf_text, resident_from_examples, save_pngs, squeeze


def errors(code: str, doc: dict, *, final: bool = False, edition: str | None = None) -> dict[str, str]:
    c = ctx()
    c = ValidationContext(today=c.today, final=final)
    return {e.key: e.message for e in forms.validate(code, doc, c, edition)}


@pytest.mark.parametrize("form", ["smi_supplement", "smi_followup"])
def test_risk_behaviour_none_stands_alone_and_counts_follow_the_kinds(form):
    assert errors(form, example(form) | {"risk_behaviors": ["7", "1"]}).keys() == {"risk_behaviors"}
    bad = errors(form, example(form) | {"risk_behaviors": ["2"], "risk_count_1": 3})
    assert set(bad) == {"risk_count_1"} and "轻度滋事" in bad["risk_count_1"]
    other = {k: v for k, v in example(form).items() if k != "risk_count_1"}
    assert errors(form, other | {"risk_behaviors": ["2", "5"], "risk_count_2": 1, "risk_count_5": 2}) == {}


def test_2011_risk_behaviours_keep_their_codes():
    old = forms.get_form("smi_followup", "2009")
    assert [c.label for c in old.table(old.field("risk_behaviors")).codes][-1] == "无"
    assert not old.has_field("risk_count_6")  # 6 is 无 there; 2017's 6 is 自杀未遂
    doc = {k: v for k, v in example("smi_followup").items()} | {"risk_behaviors": ["6"]}
    assert errors("smi_followup", doc, edition="2009") == {}
    assert "risk_behaviors" in errors("smi_followup", doc | {"risk_behaviors": ["6", "1"]},
                                      edition="2009")  # fmt: skip


def test_final_smi_visit_needs_risk_and_classification_unless_lost_or_dead():
    doc = {k: v for k, v in example("smi_followup").items() if k not in ("risk_level", "classification")}
    assert set(errors("smi_followup", doc, final=True)) == {"risk_level", "classification"}
    assert errors("smi_followup", doc) == {}  # a draft
    lost = {"visit_date": "2024-03-20", "lost_reason": "2", "doctor": "张医生"}
    assert errors("smi_followup", lost, final=True) == {}
    dead = {"visit_date": "2024-03-20", "death_date": "2024-03-01", "death_cause": "1",
            "death_body_cause": "3", "doctor": "张医生"}  # fmt: skip
    assert errors("smi_followup", dead, final=True) == {}
    assert "death_body_cause" in errors("smi_followup", dead | {"death_cause": "2"})
    assert "visit_date" in errors("smi_followup", dead | {"death_date": "2024-04-01"})


def test_smi_referral_details_only_when_referred():
    assert set(errors("smi_followup", example("smi_followup") | {"referral_reason": "病情加重"})) == {
        "referral_reason"}
    assert errors("smi_followup", example("smi_followup") | {"referred": "2", "referral_reason": "病情加重",
                                                             "referral_org": "县精神卫生中心"}) == {}  # fmt: skip


def test_tb_symptom_codes_differ_between_the_two_forms():
    first, later = forms.get_form("tb_first_visit"), forms.get_form("tb_followup")
    assert first.table(first.field("symptoms")).label("6") == "头痛失眠"
    assert later.table(later.field("symptoms")).label("6") == "关节疼痛"
    assert "symptoms" in errors("tb_followup", example("tb_followup") | {"symptoms": ["0", "1"]})


@pytest.mark.parametrize(("due", "taken", "rate"), [(180, 178, 98.9), (180, 180, 100.0), (3, 1, 33.3),
                                                    (180, 0, 0.0)])  # fmt: skip
def test_dose_rate_is_computed(due, taken, rate):
    doc = forms.prepare("tb_followup", example("tb_followup") | {"doses_due": due, "doses_taken": taken,
                                                                 "dose_rate": 50})  # fmt: skip
    assert doc["dose_rate"] == rate


def test_tb_course_rules():
    doc = example("tb_followup")
    assert set(errors("tb_followup", doc | {"doses_taken": 181})) == {"doses_taken"}
    assert set(errors("tb_followup", doc | {"visits_done": 11})) == {"visits_done"}
    no_reason = {k: v for k, v in doc.items() if k != "stop_reason"}
    assert set(errors("tb_followup", no_reason)) == {"stop_reason"}
    assert "dose_rate" not in forms.prepare("tb_followup", doc | {"doses_taken": 181})


@pytest.mark.parametrize(("form", "words"), [
    ("smi_supplement", ["监护人姓名", "李建国", "危险行为", "7无"]),
    ("smi_followup", ["危险性评估", "0（0级）", "5（5级）", "本次随访分类", "1不稳定2基本稳定3稳定", "利培酮片"]),
    ("tb_first_visit", ["督导人员选择", "服药记录卡的填写", "1掌握2未掌握", "2HRZE/4HR"]),
    ("tb_followup", ["漏服药次数", "停止治疗原因", "98.9", "4转入耐多药治疗"]),
])  # fmt: skip
def test_each_prints_like_the_paper(form, words, tmp_path: Path):
    doc = forms.prepare(form, example(form))
    out = tmp_path / f"{form}.pdf"
    rec = {"uuid": "r1", "form": form, "edition": "2017", "visit_date": doc["visit_date"], "doc": doc}
    assert P.render_form(form, resident_from_examples(), [rec], out) == 1
    text = squeeze(pdf_text(out))
    assert squeeze(forms.get_form(form).title) in text
    for w in words:
        assert squeeze(w) in text, w
    save_pngs(out, form)
