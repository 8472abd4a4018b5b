"""The printed sheets read as the standard's paper forms: group cells, labels that stay inside
their column across pages, the dentition cross, asterisks, whole numbers, unbroken options."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.units import mm

import forms.pdf as P
from forms import examples as E
from forms import get_form
from tests.forms.pdflib import (
    pdf_layout,
    pdf_text,
    resident_from_examples,
    save_pngs,
    squeeze,
    words,
)

MARGIN_X = 15 * mm
SEC_W = 11 * mm
GROUP_W = 14 * mm


def record(code: str, doc: dict) -> dict:
    return {"uuid": "r1", "form": code, "edition": "2017", "visit_date": doc.get("visit_date"),
            "doc": doc}  # fmt: skip


@pytest.fixture(scope="module")
def exam_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exam") / "he.pdf"
    P.render_form(
        "health_exam",
        resident_from_examples(),
        [record("health_exam", E.example("health_exam"))],
        out,
    )
    save_pngs(out, "paper-health-exam", dpi=70)
    return out


def first(ws: list[dict], text: str, **near) -> dict:
    hits = [w for w in ws if w["text"] == text and all(w[k] == v for k, v in near.items())]
    assert hits, f"{text!r} not printed"
    return hits[0]


GROUPS = {  # group label: (first member label, last member label)
    "口腔": ("口唇", "咽部"),
    "肺": ("桶状胸", "罗音"),
    "心脏": ("心率", "杂音"),
    "腹部": ("压痛", "移动性浊音"),
    "血常规*": ("血红蛋白", "其他"),
    "尿常规*": ("尿蛋白", "其他"),
    "肝功能*": ("血清谷丙转氨酶", "结合胆红素"),
    "肾功能*": ("血清肌酐", "血钠浓度"),
    "血脂*": ("总胆固醇", "血清高密度脂蛋白胆固醇"),
}


@pytest.mark.parametrize("group", GROUPS)
def test_group_label_has_its_own_cell_spanning_its_rows(exam_pdf: Path, group: str) -> None:
    ws = words(exam_pdf)
    g = first(ws, group)
    # in the group column, between the section column and the item labels
    assert g["x0"] >= MARGIN_X + SEC_W - 1 and g["x1"] <= MARGIN_X + SEC_W + GROUP_W + 1, g
    top_label, bottom_label = GROUPS[group]
    on_page = [w for w in ws if w["page"] == g["page"] and w["x0"] > g["x1"]]
    top = min((w for w in on_page if top_label.startswith(w["text"]) and len(w["text"]) > 1
               and w["y0"] <= g["y0"] + 40),
              key=lambda w: abs(w["y0"] - g["y0"]))  # fmt: skip
    bottom = min((w for w in on_page if bottom_label.startswith(w["text"]) and len(w["text"]) > 1
                  and w["y0"] >= top["y0"]),
                 key=lambda w: w["y0"] - top["y0"])  # fmt: skip
    assert top["y0"] < bottom["y0"], (group, top, bottom)  # the members are rows of their own
    middle = (g["y0"] + g["y1"]) / 2
    assert top["y0"] - 2 <= middle <= bottom["y1"] + 2, (group, g, top, bottom)


def test_section_labels_stay_inside_their_column_and_repeat_on_the_next_page(
    exam_pdf: Path,
) -> None:
    ws = words(exam_pdf)
    column = [w for w in ws if w["x0"] < MARGIN_X + SEC_W - 2 and w["y0"] > 58 and "：" not in w["text"]
              and not w["text"].startswith("填表说明")]  # fmt: skip
    spill = [w for w in column if w["x1"] > MARGIN_X + SEC_W + 0.5]
    assert not spill, spill
    pages = {w["page"] for w in ws}
    assert len(pages) >= 2
    page2 = "".join(w["text"] for w in sorted(
        (w for w in column if w["page"] == 2), key=lambda w: w["y0"]))  # fmt: skip
    assert page2.startswith("脏器功能"), page2  # the section cut by the page break
    label = [w for w in column if w["page"] == 2 and w["text"] in "脏器功能"][:4]
    assert len({round(w["x0"]) for w in label}) == 1, label  # one above the other


def test_dentition_prints_as_the_quadrant_cross(exam_pdf: Path) -> None:
    doc = E.example("health_exam")
    assert doc["dentition_missing"] == "左下6" and doc["dentition_denture"] == "右上5 6"
    text = squeeze(pdf_text(exam_pdf))
    assert "左下6" not in text and "右上56" not in text  # written in the cross, not as words
    ws = words(exam_pdf)
    label = first(ws, "齿列")
    row = [w for w in ws if w["page"] == label["page"] and abs(w["y0"] - label["y0"]) < 18
           and w["x0"] > 150]  # fmt: skip
    cross_half = 23  # the cross follows its option: 46 points wide
    missing, denture = first(row, "2缺齿"), first(row, "4义齿(假牙)")
    mid = (missing["y0"] + missing["y1"]) / 2
    lower_left = first(row, "6")  # 缺齿 左下6: the patient's lower left is the examiner's right
    assert (
        missing["x1"] + cross_half < lower_left["x0"] < denture["x0"] and lower_left["y0"] > mid - 1
    )
    upper_right = first(row, "56")  # 义齿 右上5 6: top left of its cross
    assert denture["x1"] < upper_right["x0"] and upper_right["x1"] < denture["x1"] + cross_half
    assert upper_right["y1"] < mid + 1


def test_asterisks_as_in_the_standard(exam_pdf: Path) -> None:
    text = squeeze(pdf_text(exam_pdf))
    printed = {w["text"] for w in words(exam_pdf)}
    for starred in ("血常规*", "尿常规*", "空腹血糖*", "肝功能*", "肾功能*", "血脂*", "B超*",
                    "妇科*", "心电图*", "眼底*", "足背动脉搏动*", "乳腺*", "宫颈涂片*"):  # fmt: skip
        assert starred in text, starred
    for plain in ("外阴", "血红蛋白", "总胆固醇", "腹部B超", "口唇"):
        assert plain in printed and plain + "*" not in printed, plain


def test_whole_numbers_print_whole(tmp_path: Path) -> None:
    doc = E.example("health_exam")
    doc.update(height_cm=158.0, weight_kg=68.0, vision_left=5.0, temperature=36.0)
    out = tmp_path / "he.pdf"
    P.render_form("health_exam", resident_from_examples(), [record("health_exam", doc)], out)
    text = squeeze(pdf_layout(out))
    assert "158cm" in text and "68kg" in text and "158.0" not in text and "68.0" not in text
    assert "5.0" in text  # a vision score keeps its notation


OPTION_FORMS = ("health_exam", "elderly_selfcare", "htn_followup", "dm_followup")


@pytest.mark.parametrize("code", OPTION_FORMS)
def test_no_option_label_is_broken_inside(code: str, tmp_path: Path) -> None:
    out = tmp_path / f"{code}.pdf"
    doc = E.example(code)
    P.render_form(code, resident_from_examples(), [record(code, doc)], out)
    lines = [line.strip() for line in pdf_text(out).splitlines() if line.strip()]
    form = get_form(code)
    options = {f"{c.code}{c.label}" for t in form.code_tables.values() for c in t.codes}
    broken = []
    for opt in (o for o in options if len(o) >= 4):
        for k in range(2, len(opt) - 1):
            head, tail = opt[:k], opt[k:]
            for a, b in zip(lines, lines[1:], strict=False):
                if a.endswith(head) and b.startswith(tail):
                    broken.append((opt, a[-12:], b[:12]))
    assert not broken, broken


def test_blood_pressure_carries_its_unit_once(exam_pdf: Path) -> None:
    doc = E.example("health_exam")
    text = squeeze(pdf_layout(exam_pdf))
    assert f"{doc['sbp_left']}/{doc['dbp_left']}mmHg" in text
    assert "mmHg/" not in text
