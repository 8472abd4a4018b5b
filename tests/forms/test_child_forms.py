"""0～6岁儿童 forms: 新生儿家庭访视记录表 and the fixed-age column sheets (1～8月龄, 12～30月龄,
3～6岁, 儿童中医药). Boundaries, codes, the cells the paper prints as "——", the cross-field rules,
and the paper: each visit in the column of its age, whatever its date."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms
import forms.pdf as P
from forms.examples import example
from forms.model import ValidationContext
from tests.forms.formslib import ctx
from tests.forms.pdflib import (
    page_count,
    pdf_text,
    resident_from_examples,
    save_pngs,
    squeeze,
    words,
)

CHILD = ("newborn_visit", "child_1_8m", "child_12_30m", "child_3_6y", "child_tcm")
CHILD_RESIDENT = {"name": "李小宝", "sex": "1", "birth_date": "2024-03-10", "id_number": None}


def errors(code: str, doc: dict, *, edition: str | None = None) -> dict[str, str]:
    c = ValidationContext(today=ctx().today, birth_date="2024-03-10")
    return {e.key: e.message for e in forms.validate(code, doc, c, edition)}


@pytest.mark.parametrize("code", CHILD)
def test_contract_keys(code: str) -> None:
    for edition in ("2017", "2009"):
        form = forms.get_form(code, edition)
        assert form.field("visit_date").required and form.field("visit_date").type == "date"
        assert form.field("next_visit_date").allow_future
        if code != "newborn_visit":
            assert form.slot_field == "slot" and form.field("slot").required
            assert form.layout == "columns"
    assert errors(code, example(code)) == {}


def test_described_with_its_slot_field() -> None:
    from forms.docs import describe

    assert describe("child_3_6y")["slot_field"] == "slot"
    assert "slot_field" not in describe("htn_followup")
    assert any("——" in r for r in describe("child_1_8m")["rules"])


def test_slot_codes_are_the_age_in_months() -> None:
    assert forms.get_form("child_1_8m").slots() == ("1", "3", "6", "8")
    assert forms.get_form("child_12_30m").slots() == ("12", "18", "24", "30")
    assert forms.get_form("child_3_6y").slots() == ("36", "48", "60", "72")
    assert forms.get_form("child_tcm").slots() == ("6", "12", "18", "24", "30", "36")
    form = forms.get_form("child_3_6y")
    assert [c.label for c in form.table(form.field("slot")).codes] == ["3岁", "4岁", "5岁", "6岁"]


def test_measurements_and_growth_levels() -> None:
    assert forms.get_form("newborn_visit").measures() == {"weight": "weight_kg"}
    assert forms.get_form("child_1_8m").measures() == {"weight": "weight_kg", "height": "height_cm",
                                                       "head": "head_cm"}  # fmt: skip
    for code in ("child_12_30m", "child_3_6y"):
        assert forms.get_form(code).measures() == {"weight": "weight_kg", "height": "height_cm"}
    for code in ("child_1_8m", "child_12_30m", "child_3_6y"):
        form = forms.get_form(code)
        for key in ("weight_level", "height_level"):
            f = form.field(key)
            assert f.type == "code" and not f.computed
            assert [(c.code, c.label) for c in form.table(f).codes] == [("1", "上"), ("2", "中"), ("3", "下")]
    ev = forms.get_form("child_3_6y").field("growth_eval")
    assert ev.type == "code" and not ev.computed


@pytest.mark.parametrize(("code", "key", "ok", "bad"), [
    ("child_1_8m", "weight_kg", (1.0, 20), (0.99, 20.01)),
    ("child_1_8m", "height_cm", (35, 90), (34.9, 90.1)),
    ("child_1_8m", "head_cm", (28, 55), (27.9, 55.1)),
    ("child_12_30m", "weight_kg", (5, 30), (4.99, 30.01)),
    ("child_3_6y", "height_cm", (80, 140), (79.9, 140.1)),
    ("child_3_6y", "hemoglobin", (30, 250), (29, 251)),
    ("child_1_8m", "vitamin_d", (0, 2000), (-1, 2001)),
    ("child_1_8m", "outdoor_hours", (0, 24), (-0.1, 24.1)),
    ("newborn_visit", "gest_weeks", (20, 45), (19, 46)),
    ("newborn_visit", "birth_weight", (0.3, 7), (0.29, 7.01)),
    ("newborn_visit", "temperature", (34, 43), (33.9, 43.1)),
])  # fmt: skip
def test_boundaries(code: str, key: str, ok: tuple, bad: tuple) -> None:
    for v in ok:
        assert key not in errors(code, example(code) | {key: v}), v
    for v in bad:
        assert key in errors(code, example(code) | {key: v}), v


def test_codes_and_required_slot() -> None:
    bad = errors("child_1_8m", example("child_1_8m") | {"slot": "2"})
    assert set(bad) == {"slot"} and "满月" in bad["slot"] and "8月龄" in bad["slot"]
    assert "weight_level" in errors("child_1_8m", example("child_1_8m") | {"weight_level": "4"})
    no_slot = {k: v for k, v in example("child_tcm").items() if k != "slot"}
    assert "slot" in errors("child_tcm", no_slot)
    assert "growth_eval" in errors("child_3_6y", example("child_3_6y") | {"growth_eval": "6"})
    # 1无 stands alone
    assert "illness" in errors("child_3_6y", example("child_3_6y") | {"illness": ["1", "2"]})


@pytest.mark.parametrize(("code", "slot", "key", "value", "where"), [
    ("child_1_8m", "3", "hemoglobin", 110, "6月龄、8月龄"),
    ("child_1_8m", "1", "teeth", 2, "6月龄、8月龄"),
    ("child_1_8m", "8", "neck_mass", "2", "满月、3月龄、6月龄"),
    ("child_1_8m", "8", "dev_6m", ["1"], "6月龄"),
    ("child_1_8m", "6", "rickets_signs_3m", "1", "3月龄"),
    ("child_1_8m", "1", "rickets_symptoms", ["1"], "3月龄、6月龄、8月龄"),
    ("child_12_30m", "30", "fontanelle", "1", "12月龄、18月龄、24月龄"),
    ("child_12_30m", "12", "hemoglobin", 110, "18月龄、30月龄"),
    ("child_3_6y", "36", "vision", "5.0", "4岁、5岁、6岁"),
    ("child_3_6y", "48", "tcm", ["1"], "3岁"),
])  # fmt: skip
def test_a_dash_cell_refuses_a_value(code: str, slot: str, key: str, value, where: str) -> None:
    doc = example(code) | {"slot": slot, key: value}
    bad = errors(code, doc)
    assert key in bad and "——" in bad[key] and where in bad[key], bad
    label = forms.get_form(code).table(forms.get_form(code).field("slot")).label(slot)
    assert f"“{label}”" in bad[key]


def test_cross_field_rules() -> None:
    assert "caries" in errors("child_3_6y", example("child_3_6y") | {"teeth": 10, "caries": 11})
    closed = errors("child_12_30m", example("child_12_30m") | {"fontanelle": "1", "fontanelle_w": 1.0})
    assert set(closed) == {"fontanelle_w"}
    assert "pneumonia_times" in errors("child_12_30m", example("child_12_30m") | {"pneumonia_times": 2})
    assert errors("child_12_30m", example("child_12_30m") | {"illness": ["2", "3"], "pneumonia_times": 2}) == {}
    assert "referral_reason" in errors("child_1_8m", example("child_1_8m") | {"referral_reason": "x"})
    assert "next_visit_date" in errors("child_tcm", example("child_tcm") | {"next_visit_date": "2024-06-01"})
    nb = example("newborn_visit")
    assert "apgar_1" in errors("newborn_visit", nb | {"apgar_1": 5})
    assert errors("newborn_visit", nb | {"asphyxia": "2", "apgar_1": 5, "apgar_5": 8}) == {}
    assert "milk_amount" in errors("newborn_visit", nb | {"milk_amount": 60})  # 纯母乳
    assert errors("newborn_visit", nb | {"feeding": "3", "milk_amount": 60}) == {}
    assert "visit_date" in errors("newborn_visit", nb | {"visit_date": "2024-05-19"})  # before birth
    # the parents were born before the child: their dates are not bounded by the child's birth
    assert errors("newborn_visit", nb | {"father_birth_date": "1980-01-01"}) == {}
    assert "disease_screen" in errors("newborn_visit", nb | {"disease_screen": ["1", "3"]})


def test_editions_differ_where_the_paper_did() -> None:
    doc = example("child_3_6y") | {"illness": "1"}
    assert errors("child_3_6y", doc, edition="2009") == {}
    assert not forms.get_form("child_3_6y", "2009").has_field("pneumonia_times")
    nb = forms.get_form("newborn_visit", "2009")
    assert nb.field("heart_rate").label == "脉率" and nb.field("chest").label == "心肺听诊"
    assert forms.get_form("newborn_visit").field("heart_rate").label == "心率"
    assert nb.table(nb.field("jaundice")).label("1") == "面部"
    assert forms.get_form("newborn_visit").table(nb.field("jaundice")).label("1") == "无"


def test_slot_words_share_the_codes() -> None:
    """中医药 3: the method taught differs per age, the codes do not (validation reads one table)."""
    for code in ("child_1_8m", "child_12_30m", "child_3_6y", "child_tcm"):
        for edition in ("2017", "2009"):
            form = forms.get_form(code, edition)
            for f in form.fields():
                for name in (f.layout.get("slot_codes") or {}).values():
                    words_ = form.code_tables[name]
                    assert [c.code for c in words_.codes] == [c.code for c in form.table(f).codes]


# ------------------------------------------------------------------------------ paper


def resident() -> dict:
    return resident_from_examples() | CHILD_RESIDENT


def rec(code: str, visit: str, **doc) -> dict:
    return {"form": code, "visit_date": visit, "edition": "2017",
            "doc": example(code) | {"visit_date": visit, "next_visit_date": None} | doc}  # fmt: skip


def column_of(ws: list[dict], heading: str, page: int = 1) -> tuple[float, float]:
    w = next(w for w in ws if w["text"] == heading and w["page"] == page)
    return w["x0"], w["x1"]


def test_a_visit_prints_in_the_column_of_its_age(tmp_path: Path) -> None:
    out = tmp_path / "c18.pdf"
    records = [
        rec("child_1_8m", "2024-09-12", slot="6", weight_kg=7.93, head_cm=43.1),
        rec("child_1_8m", "2024-04-09", slot="1", weight_kg=4.21, head_cm=37.2,
            complexion_early="1", umbilical="2", umbilical_3m=None, rickets_symptoms=None,
            rickets_signs_3m=None),  # fmt: skip
    ]
    records[0]["doc"].update(rickets_signs_3m=None, umbilical_3m=None, complexion_early=None,
                             complexion="1", teeth=2, mouth=None, hemoglobin=118)  # fmt: skip
    for r in records:
        assert forms.validate("child_1_8m", r["doc"], ValidationContext(today="2025-01-01")) == [], r
    assert P.render_form("child_1_8m", resident(), records, out) == 1
    text = squeeze(pdf_text(out))
    for heading in ("满月", "3月龄", "6月龄", "8月龄", "1～8月龄儿童健康检查记录表", "——",
                    "填表说明：“——”表示本次随访时该项目不用检查"):  # fmt: skip
        assert heading in text
    ws = words(out)
    for value, heading in (("7.93", "6月龄"), ("43.1", "6月龄"), ("4.21", "满月"), ("37.2", "满月")):
        x0, x1 = column_of(ws, heading)
        hit = next(w for w in ws if w["text"] == value)
        mid = (hit["x0"] + hit["x1"]) / 2
        assert abs(mid - (x0 + x1) / 2) < 40, (value, heading)
    # the 3月龄 column between them stays blank to write in
    x3 = sum(column_of(ws, "3月龄")) / 2
    assert not any(abs((w["x0"] + w["x1"]) / 2 - x3) < 30 and w["text"].startswith("2024") for w in ws)
    save_pngs(out, "child-1-8m")


def test_of_two_visits_for_one_age_the_later_prints(tmp_path: Path) -> None:
    out = tmp_path / "twice.pdf"
    records = [rec("child_12_30m", "2024-06-20", weight_kg=11.35), rec("child_12_30m", "2024-06-12", weight_kg=10.65)]
    P.render_form("child_12_30m", resident(), records, out)
    text = pdf_text(out)
    assert "11.35" in text and "10.65" not in text


def test_tcm_prints_its_two_sheets_by_age(tmp_path: Path) -> None:
    one, two, blank = tmp_path / "one.pdf", tmp_path / "two.pdf", tmp_path / "blank.pdf"
    assert P.render_form("child_tcm", resident(), [rec("child_tcm", "2024-09-12", slot="6")], one) == 1
    t = squeeze(pdf_text(one))
    assert "6～18月龄儿童中医药健康管理服务记录表" in t and "24～36月龄" not in t
    assert "3传授摩腹和捏脊方法" in t and "3传授按揉迎香穴" in t and "3传授按揉四神聪" not in t
    records = [rec("child_tcm", "2024-09-12", slot="6"), rec("child_tcm", "2026-09-12", slot="30")]
    assert P.render_form("child_tcm", resident(), records, two) == 2
    assert P.render_form("child_tcm", resident(), [], blank) == 2
    t = squeeze(pdf_text(blank))
    assert "3传授按揉四神聪穴方法" in t and "36月龄" in t


def test_blank_sheets_print_their_ages_and_dashes(tmp_path: Path) -> None:
    for code, headings in (("child_12_30m", ("12月龄", "18月龄", "24月龄", "30月龄")),
                           ("child_3_6y", ("3岁", "4岁", "5岁", "6岁"))):  # fmt: skip
        out = tmp_path / f"{code}.pdf"
        assert P.render_form(code, resident(), [], out) == 1
        t = squeeze(pdf_text(out))
        assert all(h in t for h in headings) and "——" in t
        assert page_count(out) == 1
    t = squeeze(pdf_text(tmp_path / "child_12_30m.pdf"))
    assert "1科学喂养" in t and "1合理膳食" in t  # 12/18 and 24/30月龄 guidance words


@pytest.mark.parametrize("code", CHILD)
def test_every_child_form_prints_its_example(tmp_path: Path, code: str) -> None:
    out = tmp_path / f"{code}.pdf"
    doc = example(code)
    n = P.render_form(code, resident(), [{"form": code, "visit_date": doc["visit_date"],
                                          "edition": "2017", "doc": doc}], out)  # fmt: skip
    assert n == page_count(out) >= 1
    t = squeeze(pdf_text(out))
    assert squeeze(forms.get_form(code).title) in t or code == "child_tcm"
    assert doc["visit_date"][:4] in t
    save_pngs(out, code.replace("_", "-"))


def test_newborn_sheet_carries_the_birth_data(tmp_path: Path) -> None:
    out = tmp_path / "nb.pdf"
    doc = example("newborn_visit")
    P.render_form("newborn_visit", resident(), [{"form": "newborn_visit", "visit_date": doc["visit_date"],
                                                  "edition": "2017", "doc": doc}], out)  # fmt: skip
    t = squeeze(pdf_text(out))
    for s in ("出生孕周", "39", "新生儿出生体重", "3.25", "目前体重", "3.6", "李明", "赵丽",
              "1994年02月11日", "母亲姓名＋之男/之女"):
        assert squeeze(s) in t, s
