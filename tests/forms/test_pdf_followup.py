"""高血压/2型糖尿病 follow-up sheets as on paper: 用药情况 in its rows, 转诊 in its cells, and
four visits on one sheet whatever was written."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms.pdf as P
from forms import examples as E
from forms import get_form, prepare
from tests.forms.pdflib import (
    page_count,
    pdf_layout,
    resident_from_examples,
    save_pngs,
    squeeze,
    words,
)

MEDS = ["硝苯地平控释片", "缬沙坦胶囊", "氢氯噻嗪片", "阿司匹林肠溶片", "阿托伐他汀钙片"]


def long_visit(code: str, i: int) -> dict:
    """A visit with every free text as long as the form allows and five medications."""
    form = get_form(code)
    doc = E.example(code)
    doc["visit_date"] = f"2024-{1 + 3 * i:02d}-1{i}"
    doc["next_visit_date"] = f"2024-{2 + 3 * i:02d}-1{i}"
    for f in form.fields():
        if f.type == "text" and f.key != "doctor":
            seed = f"第{i + 1}次{f.label}较长的记录内容"
            doc[f.key] = (seed * 20)[: f.max_length]
    doc["adverse_reaction"], doc["adverse_reaction_other"] = "2", "踝部水肿伴轻度头痛，已减量观察"
    doc["medications"] = [
        {"id": f"m{k}", "name": name, "times_per_day": 1 + k % 3, "dose": 10 * (k + 1)}
        for k, name in enumerate(MEDS)
    ]
    return prepare(code, doc)


def rec(code: str, doc: dict, i: int) -> dict:
    return {
        "uuid": f"v{i}",
        "form": code,
        "edition": "2017",
        "visit_date": doc["visit_date"],
        "doc": doc,
    }


@pytest.mark.parametrize("code", ["htn_followup", "dm_followup"])
def test_four_long_visits_fit_one_sheet(code: str, tmp_path: Path) -> None:
    out = tmp_path / f"{code}.pdf"
    visits = [long_visit(code, i) for i in range(4)]
    P.render_form(
        code, resident_from_examples(), [rec(code, d, i) for i, d in enumerate(visits)], out
    )
    save_pngs(out, f"paper-{code}-long", dpi=70)
    assert page_count(out) == 1
    text = squeeze(pdf_layout(out))
    for d in visits:
        assert squeeze(d["referral_reason"][:12]) in text
    assert "随访医生签名" in text


@pytest.mark.parametrize("code", ["htn_followup", "dm_followup"])
def test_medications_print_in_the_paper_rows(code: str, tmp_path: Path) -> None:
    out = tmp_path / f"{code}.pdf"
    doc = long_visit(code, 0)
    P.render_form(code, resident_from_examples(), [rec(code, doc, 0)], out)
    ws = words(out)
    labels = {}
    for lab in ("药物名称1", "药物名称2", "药物名称3", "其他药物"):
        labels[lab] = next(w for w in ws if w["text"] == lab)
    usage = sorted((w for w in ws if w["text"] == "用法用量"), key=lambda w: w["y0"])
    assert len(usage) == 4
    order = sorted([*labels.values(), *usage], key=lambda w: w["y0"])
    assert [w["text"] for w in order] == [
        "药物名称1", "用法用量", "药物名称2", "用法用量", "药物名称3", "用法用量", "其他药物", "用法用量",
    ]  # fmt: skip
    for k, lab in enumerate(("药物名称1", "药物名称2", "药物名称3")):
        row = " ".join(w["text"] for w in ws if abs(w["y0"] - labels[lab]["y0"]) < 4)
        assert MEDS[k] in row, (lab, row)
    other = " ".join(w["text"] for w in ws if abs(w["y0"] - labels["其他药物"]["y0"]) < 8)
    assert MEDS[3] in squeeze(other) and MEDS[4] in squeeze(other)
    first_use = " ".join(w["text"] for w in ws if abs(w["y0"] - usage[0]["y0"]) < 4)
    assert "每日" in first_use and "次" in first_use and "每次" in first_use and "mg" in first_use


def test_referral_reason_and_institution_have_their_own_cells(tmp_path: Path) -> None:
    out = tmp_path / "htn.pdf"
    doc = E.example("htn_followup")
    doc.update(referral_reason="血压控制不满意", referral_org="县人民医院心内科")
    P.render_form("htn_followup", resident_from_examples(), [rec("htn_followup", doc, 0)], out)
    ws = words(out)
    group = next(w for w in ws if w["text"] == "转诊")
    reason = next(w for w in ws if w["text"] == "原因")
    org = next(w for w in ws if w["text"] == "机构及科别")
    assert reason["y0"] < org["y0"] - 8  # two rows
    assert (
        group["x1"] <= reason["x0"]
        and reason["y0"] - 2 <= (group["y0"] + group["y1"]) / 2 <= org["y1"] + 2
    )
    value_of = {w["text"]: w for w in ws}
    assert abs(value_of["血压控制不满意"]["y0"] - reason["y0"]) < 4
    assert abs(value_of["县人民医院心内科"]["y0"] - org["y0"]) < 4


def test_a_booklet_prints_the_fitted_sheet_too(tmp_path: Path) -> None:
    code = "dm_followup"
    visits = [long_visit(code, i) for i in range(4)]
    out = tmp_path / "booklet.pdf"
    P.render_booklets(
        [(resident_from_examples(), [rec(code, d, i) for i, d in enumerate(visits)])], out
    )
    text = squeeze(pdf_layout(out))
    assert "2型糖尿病患者随访服务记录表" in text
    assert all(squeeze(d["referral_reason"][:12]) in text for d in visits)
