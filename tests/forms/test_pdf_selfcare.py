"""老年人生活自理能力评估表 as the standard's grid: five items x four levels of descriptions and
points, the chosen level marked, each item's score, the total and the 判断."""

from __future__ import annotations

from pathlib import Path

import forms.pdf as P
from forms import examples as E
from forms import get_form, prepare
from forms.definitions.elderly_selfcare import SCORES
from tests.forms.pdflib import (
    page_count,
    pdf_layout,
    resident_from_examples,
    save_pngs,
    squeeze,
    words,
)

LEVELS = ("可自理", "轻度依赖", "中度依赖", "不能自理")


def render(doc: dict, tmp_path: Path) -> Path:
    out = tmp_path / "sc.pdf"
    rec = {"uuid": "r1", "form": "elderly_selfcare", "edition": "2017", "visit_date": doc["visit_date"],
           "doc": doc}  # fmt: skip
    P.render_form("elderly_selfcare", resident_from_examples(), [rec], out)
    return out


def test_the_grid_prints_levels_descriptions_and_points(tmp_path: Path) -> None:
    doc = E.example("elderly_selfcare")
    out = render(doc, tmp_path)
    save_pngs(out, "paper-selfcare", dpi=70)
    assert page_count(out) == 1
    ws = words(out)
    heads = {lvl: next(w for w in ws if w["text"] == lvl) for lvl in LEVELS}
    xs = [heads[lvl]["x0"] for lvl in LEVELS]
    assert xs == sorted(xs) and len({round(heads[lvl]["y0"]) for lvl in LEVELS}) == 1  # one row
    assert "判断评分" in {w["text"] for w in ws}
    form = get_form("elderly_selfcare")
    text = squeeze(pdf_layout(out))
    for key in SCORES:
        f = form.field(key)
        descriptions = f.layout["levels"]
        assert len(descriptions) == 4 and len(f.layout["points"]) == 4
        for d in descriptions:
            assert squeeze(d)[:6] in text, (key, d)
    # the points of every level, in the level's column, one row per item
    zero_rows = [w for w in ws if w["text"] == "评分"]
    assert len(zero_rows) == 5


def test_chosen_level_is_marked_and_scores_shown(tmp_path: Path) -> None:
    doc = E.example("elderly_selfcare")
    full = prepare("elderly_selfcare", doc)
    out = render(doc, tmp_path)
    ws = words(out)
    heads = {lvl: next(w for w in ws if w["text"] == lvl) for lvl in LEVELS}
    bounds = sorted(heads[lvl]["x0"] for lvl in LEVELS)
    marks = sorted((w for w in ws if w["text"].startswith("√")), key=lambda w: w["y0"])
    assert len(marks) == 5  # one chosen level per item
    for key, mark in zip(SCORES, marks, strict=True):
        column = sum(1 for b in bounds if mark["x0"] >= b - 30) - 1
        assert column == int(doc[key]) - 1, (key, column)
    judged = next(w for w in ws if w["text"] == "判断评分")
    scores = [w["text"] for w in sorted(ws, key=lambda w: w["y0"])
              if w["x0"] >= judged["x0"] - 5 and w["y0"] > judged["y1"] and w["text"].isdigit()]  # fmt: skip
    assert scores[:5] == [str(full[f"{k}_score"]) for k in SCORES]
    text = squeeze(pdf_layout(out))
    # 判断: the level of the total in its box after the four bands, then the total
    assert "判断：1可自理(0～3分)" in text
    assert f"(≥19分){full['level']}{full['total_score']}分" in text


def test_blank_grid_has_no_marks(tmp_path: Path) -> None:
    doc = {"visit_date": "2024-03-20"}
    out = render(doc, tmp_path)
    assert not [w for w in words(out) if "√" in w["text"]]
    assert "进餐" in squeeze(pdf_layout(out))
