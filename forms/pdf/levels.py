"""The items x levels grid of a scored assessment (老年人生活自理能力评估表): what each level
means and its points, the chosen level marked, each item's score, then the total and 判断."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from forms.model import Field, FormDef, Section
from forms.pdf import values as V
from forms.pdf.flow import Flow, text
from forms.pdf.grid import Cell, Row
from forms.pdf.page import CONTENT_W

ITEM_W = 42 * mm  # 评估事项、内容与评分
SCORE_W = 17 * mm  # 判断评分
X_SCORE = CONTENT_W - SCORE_W
MARK = "√"


def _level_x(n: int) -> list[float]:
    w = (X_SCORE - ITEM_W) / n
    return [ITEM_W + i * w for i in range(n + 1)]


def _items(section: Section) -> list[tuple[Field, Field | None]]:
    """Each item's coded level field with the score field that shares its row."""
    out = []
    for f in section.fields:
        if f.type == "code" and f.layout.get("levels"):
            row = f.layout.get("row")
            score = next((g for g in section.fields if g is not f and g.type == "int"
                          and row and g.layout.get("row") == row), None)  # fmt: skip
            out.append((f, score))
    return out


def level_grid_rows(form: FormDef, section: Section, doc: dict[str, Any]) -> list[Row]:
    items = _items(section)
    if not items:
        return []
    table = form.code_tables[items[0][0].codes or ""]
    levels = [c.label for c in table.codes]
    xs = _level_x(len(levels))
    head = Cell(0, ITEM_W, text(str(section.layout.get("label") or section.label), align="center"),
                merge=("levels", "item"))  # fmt: skip
    score_head = Cell(
        X_SCORE, CONTENT_W, text("判断评分", align="center"), merge=("levels", "score")
    )
    rows = [
        Row([head, Cell(ITEM_W, X_SCORE, text("程度等级", align="center")), score_head]),
        Row(
            [
                head,
                *(
                    Cell(a, b, text(lvl, align="center"))
                    for a, b, lvl in zip(xs, xs[1:], levels, strict=False)
                ),
            ]  # fmt: skip
            + [score_head]
        ),
    ]
    for n, (f, score_field) in enumerate(items, start=1):
        chosen = str(doc.get(f.key) or "")
        score = doc.get(score_field.key) if score_field else None
        codes = [c.code for c in table.codes]
        score_cell = Cell(X_SCORE, CONTENT_W, text("" if V.blank(score) else str(score), align="center"),
                          merge=("levels", f.key))  # fmt: skip
        described, pointed = [], []
        for (a, b), code, desc, pts in zip(zip(xs, xs[1:], strict=False), codes, f.layout["levels"],
                                          f.layout["points"], strict=False):  # fmt: skip
            mine = code == chosen
            words = f"{MARK} {desc}" if mine else str(desc)
            described.append(Cell(a, b, text(words, align="center" if desc == "—" else "left"),
                                  shade=mine))  # fmt: skip
            pointed.append(Cell(a, b, text(str(pts), align="center"), shade=mine))
        label = f"（{n}）{V.printed_label(f)}"
        rows.append(Row([Cell(0, ITEM_W, text(label)), *described, score_cell]))
        rows.append(Row([Cell(0, ITEM_W, text("评分", align="center")), *pointed, score_cell]))
    return rows


def level_total_rows(form: FormDef, section: Section, doc: dict[str, Any]) -> list[Row]:
    """总评分 with the 判断 (the level the total falls in, its code in the box)."""
    total = next((f for f in section.fields if f.type == "int"), None)
    level = next((f for f in section.fields if f.type == "code" and f.codes), None)
    if total is None:
        return []
    cells = [Cell(0, ITEM_W, text(V.printed_label(total)))]
    if level is not None:
        table = form.code_tables[level.codes or ""]
        toks = (("t", "判断："), *V.option_tokens(table))
        boxes = V.answer_tokens(level, table, doc.get(level.key))
        cells.append(Cell(ITEM_W, X_SCORE, Flow(toks, right=boxes)))
    value = doc.get(total.key)
    shown = "" if V.blank(value) else f"{value}{total.unit or ''}"
    cells.append(
        Cell(X_SCORE if level is not None else ITEM_W, CONTENT_W, text(shown, align="center"))
    )
    return [Row(cells)]
