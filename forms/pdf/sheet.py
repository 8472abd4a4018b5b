"""Sheet forms (个人基本信息表, 健康体检表, 接诊记录表 …): one document laid out as the paper table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.model import Field, FormDef, Section
from forms.pdf import values as V
from forms.pdf.flow import Flow, Token, Vertical, text
from forms.pdf.grid import Cell, Grid, Row, draw_rows
from forms.pdf.page import (
    CONTENT_W,
    MARGIN_X,
    PAGE_H,
    MARGIN_TOP,
    PageContext,
    PageDrawer,
    content_bottom,
    content_top,
    draw_footer,
    draw_header,
    draw_signature,
    draw_title,
)

SEC_W = 11 * mm
LABEL_W = 30 * mm
GROUP_W = 13 * mm
X_LABEL = SEC_W
X_VALUE = SEC_W + LABEL_W
HALF_W = (CONTENT_W - SEC_W) / 2
SIGNATURE_H = 34.0


@dataclass
class Entry:
    """A field as printed in one cell, with fields that continue in the same cell."""

    field: Field
    attached: list[tuple[Field, str]] = field(default_factory=list)  # (field, "join:/" | "inline")


def entries(section: Section) -> list[Entry]:
    keys = {f.key for f in section.fields}
    out: list[Entry] = []
    for f in section.fields:
        if not V.is_printed(f):
            continue
        # "<key>_other" is written on the blank after the other-option of <key>
        if f.key.endswith("_other") and f.key[: -len("_other")] in keys:
            continue
        if out and f.layout.get("join"):
            out[-1].attached.append((f, "join:" + str(f.layout["join"])))
        elif out and f.layout.get("inline"):
            out[-1].attached.append((f, "inline"))
        else:
            out.append(Entry(f))
    return out


class SheetBuilder:
    """Turns one document of a sheet form into grid rows."""

    def __init__(self, form: FormDef, doc: dict[str, Any], *, masked: bool = False) -> None:
        self.form = form
        self.doc = doc
        self.masked = masked

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
            if entry.attached:
                return Flow((*opts, *boxes, *self.attached_tokens(entry)))
            return Flow(opts, right=boxes)
        return Flow((*self.answer(f), *self.attached_tokens(entry)))

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
    def section_rows(self, section: Section) -> list[Row]:
        ents = entries(section)
        if not ents:
            return []
        label = str(section.layout.get("label") or section.label)
        single = len(ents) == 1 and ents[0].field.type != "list"
        rows: list[Row] = []
        if single:
            # one-field sections (症状, 健康评价 …): the section label takes both label columns
            rows.append(Row([Cell(0, X_VALUE, text(label)), self.value_cell(ents[0], X_VALUE)]))
            return rows
        sec = Cell(0, SEC_W, Vertical(label), merge=("sec", section.key))
        i = 0
        while i < len(ents):
            e = ents[i]
            if e.field.type == "list":
                rows.extend(self.list_rows(e.field, sec))
                i += 1
                continue
            nxt = ents[i + 1] if i + 1 < len(ents) else None
            if nxt and nxt.field.type != "list" and self.half_eligible(e) and self.half_eligible(nxt):
                mid = SEC_W + HALF_W
                rows.append(
                    Row(
                        [
                            sec,
                            Cell(X_LABEL, X_VALUE, text(V.printed_label(e.field))),
                            self.value_cell(e, X_VALUE, mid),
                            Cell(mid, mid + LABEL_W, text(V.printed_label(nxt.field))),
                            self.value_cell(nxt, mid + LABEL_W),
                        ]
                    )
                )
                i += 2
                continue
            rows.append(Row([sec, *self.label_cells(e), self.value_cell(e, X_VALUE)]))
            i += 1
        return rows

    def label_cells(self, e: Entry) -> list[Cell]:
        group = e.field.layout.get("group")
        if not group:
            return [Cell(X_LABEL, X_VALUE, text(V.printed_label(e.field)))]
        g = Cell(X_LABEL, X_LABEL + GROUP_W, text(str(group)), merge=("group", str(group)))
        return [g, Cell(X_LABEL + GROUP_W, X_VALUE, text(V.printed_label(e.field)))]

    def value_cell(self, e: Entry, x0: float, x1: float = CONTENT_W) -> Cell:
        return Cell(x0, x1, self.value_flow(e))

    def list_rows(self, f: Field, sec: Cell) -> list[Row]:
        """A list (medications, hospital stays …) as a sub-table with blank rows to write in."""
        items = self.doc.get(f.key) or []
        subs = [s for s in f.item_fields if s.key != "id" and V.is_printed(s)]
        label = Cell(X_LABEL, X_VALUE, text(V.printed_label(f)), merge=("list", f.key))
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
                    rows.append(Row([sec, label, Cell(X_VALUE, CONTENT_W, text(f"{caption}：{opts}"))]))
            head.append(Cell(x0, x1, text(caption, align="center")))
        rows.append(Row([sec, label, *head], keep_with_next=True))
        n = max(len(items), int(f.layout.get("rows", 2)))
        for i in range(n):
            item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
            cells = []
            for s, x0, x1 in zip(subs, xs, xs[1:], strict=False):
                cells.append(Cell(x0, x1, self.item_flow(s, item)))
            rows.append(Row([sec, label, *cells]))
        return rows

    def item_flow(self, s: Field, item: dict[str, Any]) -> Flow:
        if s.type in ("code", "multicode") and s.codes:
            table = self.form.code_tables[s.codes]
            boxes = V.answer_tokens(s, table, item.get(s.key))
            names = "、".join(table.label(c) or "" for c in V.chosen_codes(item.get(s.key)))
            return Flow((*boxes, ("t", " " + names)) if names else boxes)
        if s.type == "date":
            return text(V.date_text(item.get(s.key)))
        return text(V.scalar(s, item.get(s.key), masked=self.masked))

    def grid(self) -> Grid:
        g = Grid()
        for section in self.form.sections:
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
    grid = SheetBuilder(form, doc, masked=masked).grid()
    top1, topn = content_top(True), content_top(False)
    bottom = content_bottom()
    pages = grid.paginate(top1 - bottom, topn - bottom)
    want_sig = signature and not any(f.layout.get("signature") for f in form.fields())
    extra_sig_page = False
    if want_sig:
        room = (top1 if len(pages) == 1 else topn) - bottom
        if sum(r.height for r in pages[-1]) + SIGNATURE_H > room:
            extra_sig_page = True
    name = str(resident.get("name") or "")
    record_no = resident.get("record_no")
    date = str(doc.get("visit_date") or "")
    drawers: list[PageDrawer] = []
    count = len(pages) + (1 if extra_sig_page else 0)
    for i in range(count):
        rows = pages[i] if i < len(pages) else []
        last = i == count - 1

        def draw(c: Canvas, ctx: PageContext, rows=rows, first=(i == 0), last=last) -> None:
            top = PAGE_H - MARGIN_TOP
            if first:
                top = draw_title(c, form.title, top)
            draw_header(c, name, record_no, top)
            y = draw_rows(c, rows, MARGIN_X, content_top(first))
            if last and want_sig:
                draw_signature(c, y, date=date)
            draw_footer(c, ctx)

        drawers.append(draw)
    return drawers
