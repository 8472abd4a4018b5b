"""Sheet forms (个人基本信息表, 健康体检表, 接诊记录表 …): one document laid out as the paper table."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.model import Field, FormDef, Section
from forms.pdf import values as V
from forms.pdf.entries import Entry, entries, group_and_label
from forms.pdf.flow import PAD, Flow, Token, Vertical, text
from forms.pdf.grid import Cell, Grid, Row, draw_rows
from forms.pdf.levels import level_grid_rows, level_total_rows
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
    draw_header,
    draw_signature,
    draw_title,
)
from forms.pdf.tcm import question_rows, result_rows

SEC_W = 11 * mm
LABEL_W = 32 * mm
GROUP_W = 14 * mm
X_LABEL = SEC_W
X_VALUE = SEC_W + LABEL_W
HALF_W = (CONTENT_W - SEC_W) / 2
SIGNATURE_H = 34.0


class SheetBuilder:
    """Turns one document of a sheet form into grid rows."""

    def __init__(self, form: FormDef, doc: dict[str, Any], *, masked: bool = False) -> None:
        self.form = form
        self.doc = doc
        self.masked = masked
        # the 姓名 printed above the table (paper header "name") is not repeated as a row
        header = form.paper.get("header", ["name"]) if hasattr(form, "paper") else ["name"]
        self.in_header = {"name"} & set(header or ())

    # ---- cell content -------------------------------------------------------------------
    def attached_tokens(self, entry: Entry) -> list[Token]:
        out: list[Token] = []
        for f, mode in entry.attached:
            if mode.startswith("join:"):
                out.append(("s", mode[5:]))
                out.extend(self.answer(f, inline=True))
            else:
                out.append(("t", "  " + V.printed_label(f) + "："))
                out.extend(self.answer(f, inline=True))
        return out

    def answer(self, f: Field, *, inline: bool = False) -> list[Token]:
        if f.type in ("code", "multicode") and f.codes and not f.layout.get("digits"):
            table = self.form.code_tables[f.codes]
            opts: tuple = ()
            if f.layout.get("options", "inline") == "inline":
                opts = V.option_tokens(table, V.other_text(self.form, f, self.doc))
            return [*opts, *V.answer_tokens(f, table, self.doc.get(f.key))]
        return list(V.value_tokens(self.form, f, self.doc, masked=self.masked))

    def value_flow(self, entry: Entry) -> Flow:
        f = entry.field
        if f.type in ("code", "multicode") and f.codes and not f.layout.get("digits"):
            table = self.form.code_tables[f.codes]
            opts: tuple = ()
            if f.layout.get("options", "inline") != "none":
                opts = V.option_tokens(table, V.other_text(self.form, f, self.doc))
            boxes = V.answer_tokens(f, table, self.doc.get(f.key))
            if f.layout.get("cross"):
                opts = V.cross_tokens(table, f.layout["cross"], self.doc)
            if entry.attached:
                return Flow((*opts, *boxes, *self.attached_tokens(entry)))
            return Flow(opts, right=boxes)
        own = self.answer(f)
        joined = [a for a, mode in entry.attached if mode == "join:/"]
        if (
            f.unit
            and joined
            and all(a.unit == f.unit for a in joined)
            and own[-1:] == [("s", f.unit)]
        ):
            own = own[:-1]  # 血压 ___/___mmHg: the unit once, after the second number
        return Flow((*own, *self.attached_tokens(entry)))

    def half_eligible(self, entry: Entry) -> bool:
        f = entry.field
        width = f.layout.get("width")
        if width in ("half", "full"):
            return width == "half"
        if entry.attached or f.layout.get("group"):
            return False
        if f.type in ("int", "decimal", "date", "bool"):
            return True
        if f.type == "text":
            return f.max_length is not None and f.max_length <= 40
        if f.type == "code" and f.codes:
            flow = self.value_flow(entry)
            return flow.height(HALF_W - LABEL_W) <= Flow((("t", "x"),)).height(100)
        return False

    # ---- rows ---------------------------------------------------------------------------
    def printed_rows(self, section: Section) -> list[list[Entry]]:
        """Entries grouped into printed rows: a shared `row` id, or up to the section's
        `columns` short fields side by side."""
        cols = int(section.layout.get("columns", 1))
        rows: list[list[Entry]] = []
        for e in entries(section):
            if e.field.key in self.in_header:
                continue
            rid = e.field.layout.get("row")
            cur = rows[-1] if rows else None
            if (
                cur
                and rid
                and cur[0].field.layout.get("row") == rid
                or (
                    cur
                    and cols > 1
                    and not rid
                    and len(cur) < cols
                    and not any(x.field.layout.get("row") for x in cur)
                    and all(self.half_eligible(x) for x in (*cur, e))
                )
            ):
                cur.append(e)
            else:
                rows.append([e])
        return rows

    def section_rows(self, section: Section) -> list[Row]:
        printed = self.printed_rows(section)
        if not printed:
            return []
        label = str(section.layout.get("label") or section.label)
        if len(printed) == 1 and len(printed[0]) == 1 and printed[0][0].field.type != "list":
            # one-field sections (症状, 健康评价 …): the section label takes both label columns
            return [Row([Cell(0, X_VALUE, text(label)), self.value_cell(printed[0][0], X_VALUE)])]
        sec = Cell(0, SEC_W, Vertical(label), merge=("sec", section.key))
        rows: list[Row] = []
        for pr in printed:
            if len(pr) == 1 and pr[0].field.type == "list":
                group, lab = group_and_label(pr[0].field, label)
                rows.extend(self.list_rows(pr[0].field, sec, group, lab))
            elif len(pr) == 1:
                rows.append(
                    Row([sec, *self.label_cells(pr[0], label), self.value_cell(pr[0], X_VALUE)])
                )
            else:
                # a group (血常规*, 肝功能* …) has its own cell spanning its rows, as on paper
                group, _lab = group_and_label(pr[0].field, label)
                cells: list[Cell] = [sec]
                start = SEC_W
                if group:
                    cells.append(self.group_cell(group, section))
                    start = X_LABEL + GROUP_W
                pair_w = (CONTENT_W - start) / len(pr)
                label_w = (
                    min(LABEL_W, pair_w * 0.42, X_VALUE - start)
                    if group
                    else min(LABEL_W, pair_w * 0.42)
                )
                for k, e in enumerate(pr):
                    x0 = start + k * pair_w
                    _g, lab = group_and_label(e.field, label)
                    cells.append(Cell(x0, x0 + label_w, text(lab)))
                    cells.append(self.value_cell(e, x0 + label_w, x0 + pair_w))
                rows.append(Row(cells))
        return rows

    def group_cell(self, group: str, section: Section | None = None) -> Cell:
        key = ("group", section.key if section else "", group)
        return Cell(X_LABEL, X_LABEL + GROUP_W, text(group, align="center"), merge=key)

    def label_cells(self, e: Entry, section_label: str) -> list[Cell]:
        group, lab = group_and_label(e.field, section_label)
        if not group:
            return [Cell(X_LABEL, X_VALUE, text(lab))]
        section = next((s for s in self.form.sections if e.field in s.fields), None)
        return [self.group_cell(group, section), Cell(X_LABEL + GROUP_W, X_VALUE, text(lab))]

    def value_cell(self, e: Entry, x0: float, x1: float = CONTENT_W) -> Cell:
        flow = self.value_flow(e)
        lines = e.field.layout.get("lines")
        if lines and e.field.type == "text":
            flow.min_lines = int(lines)
        return Cell(x0, x1, flow)

    def list_rows(self, f: Field, sec: Cell, group: str | None, lab: str) -> list[Row]:
        """A list (medications, hospital stays …) as a sub-table with blank rows to write in."""
        items = self.doc.get(f.key) or []
        subs = [s for s in f.item_fields if s.key != "id" and V.is_printed(s)]
        if group:
            section = next((s for s in self.form.sections if f in s.fields), None)
            g = self.group_cell(group, section)
            lead = [sec, g, Cell(X_LABEL + GROUP_W, X_VALUE, text(lab), merge=("list", f.key))]
        else:
            lead = [sec, Cell(X_LABEL, X_VALUE, text(lab), merge=("list", f.key))]
        weights = [_weight(s) for s in subs] or [1.0]
        total = sum(weights)
        xs = [X_VALUE]
        for w in weights:
            xs.append(xs[-1] + (CONTENT_W - X_VALUE) * w / total)
        rows: list[Row] = []
        head = []
        for s, x0, x1 in zip(subs, xs, xs[1:], strict=False):
            caption = V.printed_label(s) + (f"（{s.unit}）" if s.unit else "")
            if s.type in ("code", "multicode") and s.codes:
                tbl = self.form.code_tables[s.codes]
                opts = " ".join(f"{c.code}{c.label}" for c in tbl.codes)
                if len(opts) <= 24:
                    caption += " " + opts
                else:  # long option lists print once, above the sub-table
                    rows.append(Row([*lead, Cell(X_VALUE, CONTENT_W, text(f"{caption}：{opts}"))]))
            head.append(Cell(x0, x1, text(caption, align="center")))
        rows.append(Row([*lead, *head], keep_with_next=True))
        n = max(len(items), int(f.layout.get("rows", 2)))
        for i in range(n):
            item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
            cells = []
            for s, x0, x1 in zip(subs, xs, xs[1:], strict=False):
                cells.append(Cell(x0, x1, self.item_flow(s, item)))
            rows.append(Row([*lead, *cells]))
        return rows

    def item_flow(self, s: Field, item: dict[str, Any]) -> Flow:
        if s.type in ("code", "multicode") and s.codes:
            table = self.form.code_tables[s.codes]
            boxes = V.answer_tokens(s, table, item.get(s.key))
            names = "、".join(table.label(c) or "" for c in V.chosen_codes(item.get(s.key)))
            return Flow((*boxes, ("t", " " + names)) if names else boxes)
        if s.type == "date":  # narrow sub-table columns: the compact 2018-04-02
            return text(V.scalar(s, item.get(s.key)), align="center")
        return text(V.scalar(s, item.get(s.key), masked=self.masked))

    def applies(self, section: Section) -> bool:
        cond = section.layout.get("applies_when") or {}
        return all(self.doc.get(k) == v for k, v in cond.items())

    def header_flow(self) -> Flow | None:
        """Fields of `role: header` sections (体检日期, 责任医生 …) on one line above the table."""
        toks: list[Token] = []
        for section in self.form.sections:
            if section.layout.get("role") != "header" or not self.applies(section):
                continue
            for e in entries(section):
                toks += [("t", f"{V.printed_label(e.field)}："), *self.answer(e.field)]
                toks += [*self.attached_tokens(e), ("t", "    ")]
        return Flow(tuple(toks), size=9.0) if toks else None

    def grid(self) -> Grid:
        g = Grid()
        for section in self.form.sections:
            if section.layout.get("role") == "header" or not self.applies(section):
                continue
            if section.layout.get("level_grid"):
                g.rows.extend(level_grid_rows(self.form, section, self.doc))
            elif section.layout.get("level_total"):
                g.rows.extend(level_total_rows(self.form, section, self.doc))
            elif section.layout.get("tcm_questions"):
                g.rows.extend(question_rows(self.form, section, self.doc))
            elif section.layout.get("tcm_results"):
                g.rows.extend(result_rows(self.form, section, self.doc))
            else:
                g.rows.extend(self.section_rows(section))
        g.measure()
        return g


def _weight(s: Field) -> float:
    if s.type == "text":
        return 3.0 if (s.max_length or 100) > 20 else 2.0
    if s.type in ("code", "multicode"):
        return 1.6
    return 1.5


def sheet_pages(
    form: FormDef,
    doc: dict[str, Any],
    resident: dict[str, Any],
    *,
    masked: bool = False,
    signature: bool = True,
) -> list[PageDrawer]:
    """Lay out one document; returns page drawers (count known before drawing)."""
    builder = SheetBuilder(form, doc, masked=masked)
    grid = builder.grid()
    head = builder.header_flow()
    head_h = head.height(CONTENT_W) if head else 0.0
    notes = str(form.paper.get("instructions") or "") if hasattr(form, "paper") else ""
    notes_flow = text(f"填表说明：{notes}", size=7.5) if notes else None
    top1, topn, bottom = content_top(True) - head_h, content_top(False), content_bottom()
    pages = grid.paginate(top1 - bottom, topn - bottom)
    want_sig = signature and not has_signature_field(form)
    tail_h = (SIGNATURE_H if want_sig else 0.0) + (
        notes_flow.height(CONTENT_W) + 4 if notes_flow else 0.0
    )
    room = (top1 if len(pages) == 1 else topn) - bottom
    extra_page = tail_h > 0 and sum(r.height for r in pages[-1]) + tail_h > room
    name = str(resident.get("name") or "")
    record_no = resident.get("record_no")
    date = str(doc.get("visit_date") or "")
    drawers: list[PageDrawer] = []
    count = len(pages) + (1 if extra_page else 0)
    for i in range(count):
        rows = pages[i] if i < len(pages) else []

        def draw(
            c: Canvas, ctx: PageContext, rows=rows, first=(i == 0), last=(i == count - 1)
        ) -> None:
            top = PAGE_H - MARGIN_TOP
            if first:
                top = draw_title(c, form.title, top)
            draw_paper_header(c, form, name, record_no, top)
            y = content_top(first)
            if first and head:
                head.draw(c, MARGIN_X - PAD, y, CONTENT_W, head_h)
                y -= head_h
            y = draw_rows(c, rows, MARGIN_X, y)
            if last and want_sig:
                y = draw_signature(c, y, date=date)
            if last and notes_flow:
                notes_flow.draw(c, MARGIN_X - PAD, y - 2, CONTENT_W, notes_flow.height(CONTENT_W))
            draw_footer(c, ctx)

        drawers.append(draw)
    return drawers


def has_signature_field(form: FormDef) -> bool:
    """The form carries its own doctor/signature line (接诊记录表 医生签字, 会诊 责任医生,
    体检 责任医生): no second signature line is added under it."""
    fields = [*form.fields(), *(sub for f in form.fields() for sub in f.item_fields)]
    return any(
        f.layout.get("signature") or f.key == "doctor" or "签字" in f.label or "签名" in f.label
        for f in fields
    )


def draw_paper_header(
    c: Canvas, form: FormDef, name: str, record_no: str | None, top: float
) -> None:
    """姓名 and 编号 above the table unless the definition's paper header says otherwise."""
    wanted = form.paper.get("header") if hasattr(form, "paper") else None
    if wanted is None or wanted:
        draw_header(c, name, record_no, top)
