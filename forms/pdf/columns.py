"""Follow-up forms (高血压/糖尿病随访 …): one visit per column, several visits per page, as on paper."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.model import Field, FormDef
from forms.pdf import values as V
from forms.pdf.computed import with_computed
from forms.pdf.entries import Entry, entries, group_and_label
from forms.pdf.flow import SIZE, Flow, Token, Vertical, text
from forms.pdf.fonts import text_width
from forms.pdf.grid import Cell, Grid, Row, draw_rows
from forms.pdf.page import (
    CONTENT_W,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PageContext,
    PageDrawer,
    content_bottom,
    content_top,
    draw_footer,
    draw_title,
)
from forms.pdf.sheet import draw_paper_header

SEC_W = 11 * mm
LABEL_W = 36 * mm
X_VISITS = SEC_W + LABEL_W


class ColumnBuilder:
    def __init__(self, form: FormDef, docs: list[dict[str, Any]], per_page: int) -> None:
        self.form = form
        self.docs = docs
        self.per_page = per_page
        self.col_w = (CONTENT_W - X_VISITS) / per_page

    def options_in_label(self, f: Field) -> bool:
        mode = f.layout.get("options")
        if mode in ("inline", "label", "none"):
            return mode != "inline"  # "none": the options print once, in the row label
        table = self.form.code_tables[f.codes or ""]
        opts = " ".join(f"{c.code}{c.label}" for c in table.codes)
        # options that fit two lines of a visit column print in every column, like 1门诊 2家庭 3电话
        return f.type == "multicode" or text_width(opts, SIZE) > 2 * (self.col_w - 8) - 14

    def unit_of(self, e: Entry) -> str | None:
        units = [f.unit for f in (e.field, *(a for a, _ in e.attached)) if f.unit]
        return units[-1] if units and all(u == units[-1] for u in units) else None

    def label_flow(self, e: Entry, section_label: str) -> Flow:
        f = e.field
        unit = self.unit_of(e)
        group, label = group_and_label(f, section_label)
        label = str(f.layout.get("short") or label)
        for a, mode in e.attached:  # 收缩压/舒张压 unless the definition gives a `short` label
            if mode == "join:/" and not f.layout.get("short"):
                label += "/" + str(a.layout.get("short") or V.printed_label(a))
        if group:
            label = f"{group}·{label}"
        label = label + (f"（{unit}）" if unit and f.type in ("int", "decimal") else "")
        if f.type in ("code", "multicode") and f.codes and self.options_in_label(f):
            table = self.form.code_tables[f.codes]
            opts = tuple(("o", f"{c.code}{c.label}  ") for c in table.codes)
            return Flow((("t", label), ("br",), *opts))
        return text(label)

    def value_tokens(self, f: Field, doc: dict[str, Any], unit_in_label: bool) -> list[Token]:
        v = doc.get(f.key)
        if f.type in ("code", "multicode") and f.codes:
            table = self.form.code_tables[f.codes]
            out = list(V.answer_tokens(f, table, v))
            other = V.other_text(self.form, f, doc)
            if other:
                out += [("t", " 其他："), ("t", other)]
            return out
        if f.type == "list":
            lines = [V.list_item_text(self.form, f, it) for it in (v or []) if isinstance(it, dict)]
            out = []
            for i, line in enumerate(lines):
                if i:
                    out.append(("br",))
                out.append(("t", line))
            return out
        if f.type == "date":
            return [("t", V.date_text(v))] if not V.blank(v) else []
        s = V.scalar(f, v)
        if s and f.unit and not unit_in_label:
            return [("t", s), ("s", f.unit)]
        return [("t", s)] if s else []

    def value_flow(self, e: Entry, doc: dict[str, Any] | None) -> Flow:
        if doc is None:
            return Flow(())
        f = e.field
        unit_in_label = self.unit_of(e) is not None
        if f.type in ("code", "multicode") and f.codes and not self.options_in_label(f):
            table = self.form.code_tables[f.codes]
            opts = V.option_tokens(table, V.other_text(self.form, f, doc), other_blank=20)
            boxes = V.answer_tokens(f, table, doc.get(f.key))
            if not e.attached:
                return Flow(opts, right=boxes)
            toks = [*opts, *boxes]
        else:
            toks = self.value_tokens(f, doc, unit_in_label)
        for a, mode in e.attached:
            sub = self.value_tokens(a, doc, unit_in_label)
            if mode.startswith("join:"):
                toks += [("s", mode[5:]), *sub]
            elif a.type in ("code", "multicode") and a.codes:
                # an attached coded field (足背动脉搏动 侧别) keeps its options: it has no row label
                table = self.form.code_tables[a.codes]
                toks += [("br",), *V.option_tokens(table, V.other_text(self.form, a, doc)), *sub]
            elif sub:
                toks += [("t", " " + V.printed_label(a) + "："), *sub]
        centred = f.type not in ("list", "text") and f.type != "multicode"
        return Flow(tuple(toks), align="center" if centred else "left")

    def grid(self, docs: list[dict[str, Any] | None]) -> Grid:
        g = Grid()
        for section in self.form.sections:
            ents = entries(section, merge_rows=True)
            if not ents:
                continue
            label = str(section.layout.get("label") or section.label)
            # 随访日期/随访方式 (role header) and one-field sections need no section column
            single = len(ents) == 1 or section.layout.get("role") == "header"
            sec = Cell(0, SEC_W, Vertical(label), merge=("sec", section.key))
            for e in ents:
                lab = self.label_flow(e, "" if single and len(ents) > 1 else label)
                cells = [Cell(0, X_VISITS, lab)] if single else [sec, Cell(SEC_W, X_VISITS, lab)]
                for i, doc in enumerate(docs):
                    x0 = X_VISITS + i * self.col_w
                    cells.append(Cell(x0, x0 + self.col_w, self.value_flow(e, doc)))
                g.rows.append(Row(cells))
        g.measure()
        return g


def column_pages(
    form: FormDef, records: list[dict[str, Any]], resident: dict[str, Any]
) -> list[PageDrawer]:
    """Visits in date order, `visits_per_page` columns a page (blank columns to write in)."""
    per_page = max(1, form.visits_per_page if form.visits_per_page > 1 else 4)
    ordered = sorted(records, key=lambda r: str(r.get("visit_date") or ""))
    docs = [with_computed(form, dict(r.get("doc") or {})) for r in ordered]
    for d, r in zip(docs, ordered, strict=True):
        d.setdefault("visit_date", r.get("visit_date"))
    chunks = [docs[i : i + per_page] for i in range(0, len(docs), per_page)] or [[]]
    builder = ColumnBuilder(form, docs, per_page)
    name = str(resident.get("name") or "")
    record_no = resident.get("record_no")
    top1, topn, bottom = content_top(True), content_top(False), content_bottom()
    drawers: list[PageDrawer] = []
    for chunk in chunks:
        padded: list[dict[str, Any] | None] = [*chunk, *([None] * (per_page - len(chunk)))]
        pages = builder.grid(padded).paginate(top1 - bottom, topn - bottom)
        for j, rows in enumerate(pages):

            def draw(c: Canvas, ctx: PageContext, rows=rows, first=(j == 0)) -> None:
                top = PAGE_H - MARGIN_TOP
                if first:
                    top = draw_title(c, form.title, top)
                draw_paper_header(c, form, name, record_no, top)
                draw_rows(c, rows, MARGIN_X, content_top(first))
                draw_footer(c, ctx)

            drawers.append(draw)
    return drawers
