"""老年人中医药健康管理服务记录表 on paper: the 33 questions x five answer columns (the chosen
score ticked), then the nine constitution columns with each type's 得分 and 辨识 and the guidance
given, options printed with their boxes as the form does."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from forms.model import Field, FormDef, Section
from forms.pdf import values as V
from forms.pdf.flow import Flow, text
from forms.pdf.grid import Cell, Row
from forms.pdf.page import CONTENT_W

QUESTION_W = 78 * mm
TYPE_LABEL_W = 16 * mm
MARK = "√"
BLANK = "\u3000"  # an ideographic space: unticked options line up with ticked ones
SMALL = 7.5


def _answer_xs(n: int) -> list[float]:
    w = (CONTENT_W - QUESTION_W) / n
    return [QUESTION_W + i * w for i in range(n + 1)]


def question_rows(form: FormDef, section: Section, doc: dict[str, Any]) -> list[Row]:
    questions = [f for f in section.fields if f.type == "code"]
    if not questions:
        return []
    table = form.code_tables[questions[0].codes or ""]
    xs = _answer_xs(len(table.codes))
    head = [Cell(0, QUESTION_W, text(section.label, size=8.5))]
    notes = section.layout.get("tcm_questions")
    details = list(notes) if isinstance(notes, list | tuple) else []
    for i, ((a, b), c) in enumerate(zip(zip(xs, xs[1:], strict=False), table.codes, strict=False)):
        detail = details[i] if i < len(details) else ""
        words = _join(c.label, f"（{detail}）") if detail else (("t", c.label),)
        head.append(Cell(a, b, Flow(words, size=SMALL, align="center")))
    rows = [Row(head, keep_with_next=True)]
    for f in questions:
        chosen = str(doc.get(f.key) or "")
        bands = f.layout.get("bands") or ()
        cells = [Cell(0, QUESTION_W, text(V.printed_label(f), size=8.0))]
        for i, ((a, b), c) in enumerate(zip(zip(xs, xs[1:], strict=False), table.codes,
                                            strict=False)):  # fmt: skip
            mine = c.code == chosen
            shown = f"{MARK}{c.code}" if mine else c.code
            words = _join(shown, str(bands[i])) if bands else (("t", shown),)
            cells.append(Cell(a, b, Flow(words, size=SMALL, align="center"), shade=mine))
        rows.append(Row(cells))
    return rows


def _by_type(section: Section) -> dict[str, list[Field]]:
    out: dict[str, list[Field]] = {}
    for f in section.fields:
        key = f.layout.get("tcm_type")
        if key:
            out.setdefault(str(key), []).append(f)
    return out


def _stack(lines: list[tuple]) -> Flow:
    """Lines of tokens one under the other (the column cells of the result block)."""
    toks: list[tuple] = []
    for line in lines:
        if toks:
            toks.append(("br",))
        toks.extend(line)
    return Flow(tuple(toks), size=SMALL)


def _join(*parts: str) -> tuple:
    toks: list[tuple] = []
    for p in parts:
        if toks:
            toks.append(("br",))
        toks.append(("t", p))
    return tuple(toks)


def _option(ticked: bool, words: str) -> tuple:
    """An option as the form prints it, ticked with √ when chosen (the paper has no boxes here)."""
    return (("o", (MARK if ticked else BLANK) + words),)


def _judgement(form: FormDef, score: Field, result: Field, doc: dict[str, Any]) -> Flow:
    """ "1.得分__ 2.是 3.倾向是" with the judged option ticked (否 is the absence of a tick)."""
    value = doc.get(score.key)
    chosen = str(doc.get(result.key) or "")
    lines: list[tuple] = [(("t", "1.得分"), ("u", "" if V.blank(value) else str(value), 14))]
    table = form.code_tables[result.codes or ""]
    for n, c in enumerate((c for c in table.codes if c.label != "否"), start=2):
        lines.append(_option(c.code == chosen, f"{n}.{c.label}"))
    return _stack(lines)


def _guidance(form: FormDef, f: Field, doc: dict[str, Any]) -> Flow:
    chosen = set(V.chosen_codes(doc.get(f.key)))
    table = form.code_tables[f.codes or ""]
    other = V.other_text(form, f, doc)
    lines: list[tuple] = []
    for c in table.codes:
        line = _option(c.code in chosen, f"{c.code}.{c.label}")
        if c.code == table.other_code:
            line += (("t", "："), ("u", other, 16))
        lines.append(line)
    return _stack(lines)


def result_rows(form: FormDef, section: Section, doc: dict[str, Any]) -> list[Row]:
    groups = _by_type(section)
    if not groups:
        return []
    n = len(groups)
    w = (CONTENT_W - TYPE_LABEL_W) / n
    xs = [TYPE_LABEL_W + i * w for i in range(n + 1)]
    spans = list(zip(xs, xs[1:], strict=False))
    names, judged, guided = [], [], []
    for (a, b), fields in zip(spans, groups.values(), strict=False):
        score = next(f for f in fields if f.type == "int")
        result = next(f for f in fields if f.type == "code")
        guide = next(f for f in fields if f.type == "multicode")
        names.append(Cell(a, b, text(score.label.removesuffix("得分"), size=8.0, align="center")))
        judged.append(Cell(a, b, _judgement(form, score, result, doc)))
        guided.append(Cell(a, b, _guidance(form, guide, doc)))
    return [
        Row([Cell(0, TYPE_LABEL_W, text("体质类型", size=8.0)), *names], keep_with_next=True),
        Row([Cell(0, TYPE_LABEL_W, text("体质辨识", size=8.0)), *judged], keep_with_next=True),
        Row([Cell(0, TYPE_LABEL_W, text("中医药保健指导", size=8.0)), *guided]),
    ]
