"""Follow-up forms (高血压/糖尿病随访 …): one visit per column, several visits per page, as on paper."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.model import CodeTable, Field, FormDef
from forms.pdf import values as V
from forms.pdf.computed import with_computed
from forms.pdf.entries import Entry, entries, group_and_label
from forms.pdf.flow import PAD, SIZE, Flow, Token, Vertical, text
from forms.pdf.fonts import begin_page_text, end_page_text, text_width
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
FIT_SIZES = (SIZE, 7.5, 7.0, 6.5, 6.0)  # free text first gets smaller type …
FIT_SCALES = (1.0, 0.96, 0.92, 0.88, 0.84, 0.8, 0.76, 0.72, 0.68)  # … then the whole table


NOT_APPLICABLE = "——"


def applies_at(f: Field, slot: str) -> bool:
    """Whether the paper has this cell in the column of `slot` (layout `at`)."""
    where = f.layout.get("at")
    return not where or slot in where


def slot_rows_merged(ents: list[Entry]) -> list[tuple[Entry, list[Entry]]]:
    """Entries with the members of their printed row: fields sharing a `slot_row` are one row,
    each member filling the columns it is `at`."""
    out: list[tuple[Entry, list[Entry]]] = []
    seen: dict[str, list[Entry]] = {}
    for e in ents:
        row = e.field.layout.get("slot_row")
        if row and str(row) in seen:
            seen[str(row)].append(e)
            continue
        members = [e]
        if row:
            seen[str(row)] = members
        out.append((e, members))
    return out


class ColumnBuilder:
    def __init__(
        self, form: FormDef, docs: list[dict[str, Any]], per_page: int, width: float = CONTENT_W
    ) -> None:
        self.form = form
        self.docs = docs
        self.per_page = per_page
        self.base_col_w = (CONTENT_W - X_VISITS) / per_page  # decides where options print
        self.col_w = (width - X_VISITS) / per_page

    def options_in_label(self, f: Field) -> bool:
        if f.layout.get("slot_codes") or f.layout.get("slot_row"):
            return False  # the words differ per column: each cell prints its own
        mode = f.layout.get("options")
        if mode in ("inline", "label", "none"):
            return mode != "inline"  # "none": the options print once, in the row label
        table = self.form.code_tables[f.codes or ""]
        opts = " ".join(f"{c.code}{c.label}" for c in table.codes)
        # options that fit two lines of a visit column print in every column, like 1门诊 2家庭 3电话
        return f.type == "multicode" or text_width(opts, SIZE) > 2 * (self.base_col_w - 8) - 14

    def table_for(self, f: Field, slot: str | None) -> CodeTable:
        """The options printed in a column: the slot's own words where the paper has them."""
        name = (f.layout.get("slot_codes") or {}).get(slot) if slot else None
        return self.form.code_tables[str(name or f.codes)]

    def unit_of(self, e: Entry) -> str | None:
        units = [f.unit for f in (e.field, *(a for a, _ in e.attached)) if f.unit]
        return units[-1] if units and all(u == units[-1] for u in units) else None

    def label_flow(self, e: Entry, section_label: str, grouped: bool = False) -> Flow:
        f = e.field
        unit = self.unit_of(e)
        group, label = group_and_label(f, section_label)
        label = str(f.layout.get("short") or label)
        for a, mode in e.attached:  # 收缩压/舒张压 unless the definition gives a `short` label
            if mode == "join:/" and not f.layout.get("short"):
                label += "/" + str(a.layout.get("short") or V.printed_label(a))
        if group and not grouped:
            label = f"{group}·{label}"
        label = label + (f"（{unit}）" if unit and f.type in ("int", "decimal") else "")
        if f.type in ("code", "multicode") and f.codes and self.options_in_label(f):
            table = self.form.code_tables[f.codes]
            opts = tuple(("o", f"{c.code}{c.label}  ") for c in table.codes)
            return Flow((("t", label), ("br",), *opts))
        return text(label)

    def value_tokens(
        self, f: Field, doc: dict[str, Any], unit_in_label: bool, *, blank: bool = False
    ) -> list[Token]:
        v = doc.get(f.key)
        if blank and f.type in ("int", "decimal"):  # a line to write the number on
            # the unit stays on the line of its blank ("g"): ____次/周 never splits
            unit = [("g", f.unit)] if f.unit and not unit_in_label else []
            return [("u", "", 14 if unit else 22), *unit]
        if blank and f.type == "date":
            return [("t", "    年    月    日")]
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
            return [("t", s), ("g", f.unit)]  # the unit stays with its number
        return [("t", s)] if s else []

    def value_flow(
        self,
        e: Entry,
        doc: dict[str, Any] | None,
        size: float = SIZE,
        slot: str | None = None,
        own_label: bool = False,
    ) -> Flow:
        """One visit's cell. A column without a visit (a blank sheet, or the columns left over
        on the last page) shows the options, boxes and lines to fill in by hand; a cell the
        paper does not have at this column's age prints "——"."""
        blank = doc is None
        doc = doc or {}
        f = e.field
        if slot is not None and not applies_at(f, slot):
            return text(NOT_APPLICABLE, align="center")
        unit_in_label = self.unit_of(e) is not None and not own_label
        if own_label and f.type not in ("code", "multicode"):
            # a value standing in another field's row (出牙数 in the 口腔 row): named in its cell
            name = V.printed_label(f).split("（")[0]
            toks0 = self.value_tokens(f, doc, False, blank=blank)
            return Flow((("t", name + "："), *toks0), align="center", size=SIZE)
        if f.type in ("code", "multicode") and f.codes and not self.options_in_label(f):
            table = self.table_for(f, slot)
            opts = V.option_tokens(table, V.other_text(self.form, f, doc), other_blank=20)
            boxes = V.answer_tokens(f, table, doc.get(f.key))
            if not e.attached:
                return Flow(opts, right=boxes)
            toks = [*opts, *boxes]
        else:
            toks = self.value_tokens(f, doc, unit_in_label, blank=blank)
        now_side = 1 + sum(1 for a, _m in e.attached if a.layout.get("pair_role") == "now")
        for a, mode in e.attached:
            sub = self.value_tokens(a, doc, unit_in_label, blank=blank)
            if mode == "join: / " and now_side > 1:  # 运动: the target on a line of its own
                toks += [("s", " /"), ("br",), *sub]
            elif mode.startswith("join:"):
                toks += [("s", mode[5:]), *sub]
            elif a.type in ("code", "multicode") and a.codes:
                # an attached coded field (足背动脉搏动 侧别) keeps its options: it has no row label
                table = self.form.code_tables[a.codes]
                toks += [("br",), *V.option_tokens(table, V.other_text(self.form, a, doc)), *sub]
            elif sub:
                toks += [("t", " " + V.printed_label(a) + "："), *sub]
            elif blank:  # 胰岛素 用法和用量: its label and a line to write on
                toks += [("br",), ("t", V.printed_label(a) + "："), ("u", "", 30)]
        centred = f.type not in ("list", "text") and f.type != "multicode"
        free = f.type in ("text", "list")
        return Flow(tuple(toks), align="center" if centred else "left", size=size if free else SIZE)

    def grid(
        self,
        docs: list[dict[str, Any] | None],
        size: float = SIZE,
        slots: list[str | None] | None = None,
    ) -> Grid:
        """Rows of the sheet for these visit columns; `size` is the type size of free text
        (smaller when four visits' long notes would not fit one page). `slots`: the fixed age
        of each column of a slotted form (FormDef.slot_field), None for a padding column."""
        g = Grid()
        cols: list[str | None] = list(slots) if slots is not None else [None] * len(docs)
        for section in self.form.sections:
            ents = slot_rows_merged(entries(section, merge_rows=True))
            if not ents:
                continue
            label = str(section.layout.get("label") or section.label)
            # 随访日期/随访方式 (role header), 服药依从性 … (role rows) and one-field sections
            # have no section column: each row is labelled on its own, as on paper
            slotted = any(e.field.layout.get("slots") for e, _m in ents)  # 用药情况 keeps its label
            single = (len(ents) == 1 and not slotted) or section.layout.get("role") in (
                "header",
                "rows",
            )
            sec = Cell(0, SEC_W, Vertical(label), merge=("sec", section.key))
            for e, members in ents:
                if e.field.key == self.form.slot_field and slots is not None:
                    g.rows.append(self.heading_row(e, cols))
                    continue
                if e.field.type == "list" and e.field.layout.get("slots"):
                    g.rows.extend(self.slot_rows(e.field, docs, None if single else sec, size))
                    continue
                group, _lab = group_and_label(e.field, label)
                grouped = bool(single and group and len(ents) > 1)
                lab = self.label_flow(e, "" if single and len(ents) > 1 else label, grouped)
                if grouped:
                    gcell = Cell(0, SEC_W, text(str(group), align="center"),
                                 merge=("group", section.key, group))  # fmt: skip
                    cells = [gcell, Cell(SEC_W, X_VISITS, lab)]
                elif single:
                    cells = [Cell(0, X_VISITS, lab)]
                else:
                    cells = [sec, Cell(SEC_W, X_VISITS, lab)]
                for i, doc in enumerate(docs):
                    x0 = X_VISITS + i * self.col_w
                    slot = cols[i] if i < len(cols) else None
                    here = next((m for m in members if slot is None or applies_at(m.field, slot)),
                                members[0])  # fmt: skip
                    flow = self.value_flow(here, doc, size, slot, own_label=here is not members[0])
                    cells.append(Cell(x0, x0 + self.col_w, flow))
                g.rows.append(Row(cells))
        g.measure()
        return g

    def heading_row(self, e: Entry, cols: list[str | None]) -> Row:
        """The ages of the columns (满月 3月龄 6月龄 8月龄), printed on blank columns too."""
        table = self.form.code_tables[e.field.codes or ""]
        cells = [Cell(0, X_VISITS, text(V.printed_label(e.field), align="center"))]
        for i, slot in enumerate(cols):
            x0 = X_VISITS + i * self.col_w
            cells.append(Cell(x0, x0 + self.col_w, text(table.label(slot or "") or "", align="center")))
        return Row(cells, min_height=16)

    def slot_rows(
        self, f: Field, docs: list[dict[str, Any] | None], sec: Cell | None, size: float
    ) -> list[Row]:
        """A list printed in the paper's fixed rows (用药情况: 药物名称1-3 and 其他药物, each
        followed by its 用法用量 row); the last slot takes every item left over."""
        slots = [str(x) for x in f.layout["slots"]]
        usage_label = str(f.layout.get("usage") or "用法用量")
        name = next(x for x in f.item_fields if x.type == "text" and x.key != "id")
        usage = [x for x in f.item_fields if x.key not in ("id", name.key)]
        x_label = SEC_W if sec else 0.0
        lead = [sec] if sec else []
        rows: list[Row] = []
        for i, slot in enumerate(slots):
            last = i == len(slots) - 1
            names, uses = [], []
            for k, doc in enumerate(docs):
                x0 = X_VISITS + k * self.col_w
                items = [it for it in (doc or {}).get(f.key) or [] if isinstance(it, dict)]
                mine = items[i:] if last else items[i : i + 1]
                written = "；".join(str(it.get(name.key) or "") for it in mine)
                names.append(Cell(x0, x0 + self.col_w, text(written, size=size)))
                toks: list[Token] = []
                for j, it in enumerate(mine or [{}]):
                    if j:
                        toks.append(("br",))
                    toks += self.usage_tokens(usage, it)
                uses.append(Cell(x0, x0 + self.col_w, Flow(tuple(toks), size=size)))
            rows.append(Row([*lead, Cell(x_label, X_VISITS, text(slot)), *names]))
            rows.append(Row([*lead, Cell(x_label, X_VISITS, text(usage_label)), *uses]))
        return rows

    @staticmethod
    def usage_tokens(fields: list[Field], item: dict[str, Any]) -> list[Token]:
        """ "每日 2 次 每次 10 mg" with the numbers on lines, blank lines when not given."""
        out: list[Token] = []
        for x in fields:
            pre, suf = x.layout.get("prefix"), x.layout.get("suffix")
            if out:
                out.append(("t", " "))
            if pre:
                out.append(("s", str(pre)))
            out.append(("u", V.scalar(x, item.get(x.key)), 12))
            out.append(("s", str(x.unit or "") + str(suf or "")))
        return out


def column_pages(
    form: FormDef, records: list[dict[str, Any]], resident: dict[str, Any]
) -> list[PageDrawer]:
    """Visits in date order, `visits_per_page` columns a page (blank columns to write in); a
    slotted form puts each visit in the column of its age instead (see slot_sheets)."""
    per_page = max(1, form.visits_per_page if form.visits_per_page > 1 else 4)
    ordered = sorted(records, key=lambda r: str(r.get("visit_date") or ""))
    docs = [with_computed(form, dict(r.get("doc") or {})) for r in ordered]
    for d, r in zip(docs, ordered, strict=True):
        d.setdefault("visit_date", r.get("visit_date"))
    if form.slot_field:
        return slot_sheets(form, docs, resident, per_page)
    chunks = [docs[i : i + per_page] for i in range(0, len(docs), per_page)] or [[]]
    drawers: list[PageDrawer] = []
    for chunk in chunks:
        padded: list[dict[str, Any] | None] = [*chunk, *([None] * (per_page - len(chunk)))]
        drawers += sheet_drawers(form, docs, per_page, padded, None, form.title, resident)
    return drawers


def latest_by_slot(form: FormDef, docs: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The document printed in each column (docs in date order: of two for one age, the later
    one) and the documents whose slot is not a column of this form."""
    slots = form.slots()
    by_slot: dict[str, dict[str, Any]] = {}
    stray: list[dict[str, Any]] = []
    for d in docs:
        s = d.get(form.slot_field or "")
        if isinstance(s, str) and s in slots:
            by_slot[s] = d
        else:
            stray.append(d)
    return by_slot, stray


def slot_sheets(
    form: FormDef, docs: list[dict[str, Any]], resident: dict[str, Any], per_page: int
) -> list[PageDrawer]:
    """A slotted form as on paper: each sheet holds its fixed ages (满月 3 6 8月龄), a visit
    prints in the column of its age whatever its date, a column without a visit is left blank
    to write in. Sheets without any visit are left out, unless there is no visit at all (a
    blank form). A document without a known age prints after them, in date order."""
    slots = list(form.slots())
    by_slot, stray = latest_by_slot(form, docs)
    titles = [str(t) for t in form.paper.get("slot_titles") or ()]
    drawers: list[PageDrawer] = []
    for k in range(0, len(slots), per_page):
        chunk: list[str | None] = [*slots[k : k + per_page]]
        if by_slot and not any(s in by_slot for s in chunk):
            continue
        chunk += [None] * (per_page - len(chunk))
        padded = [by_slot.get(s) if s else None for s in chunk]
        n = k // per_page
        title = titles[n] if n < len(titles) else form.title
        drawers += sheet_drawers(form, docs, per_page, padded, chunk, title, resident)
    for i in range(0, len(stray), per_page):
        part: list[dict[str, Any] | None] = list(stray[i : i + per_page])
        part += [None] * (per_page - len(part))
        drawers += sheet_drawers(form, docs, per_page, part, None, form.title, resident)
    return drawers


def sheet_drawers(
    form: FormDef,
    docs: list[dict[str, Any]],
    per_page: int,
    padded: list[dict[str, Any] | None],
    slots: list[str | None] | None,
    title: str,
    resident: dict[str, Any],
) -> list[PageDrawer]:
    """The page(s) of one sheet of visit columns."""
    name = str(resident.get("name") or "")
    record_no = resident.get("record_no")
    top1, topn, bottom = content_top(True), content_top(False), content_bottom()
    # 填表说明 under the table (the child sheets): kept on the sheet's last page
    notes = str(form.paper.get("instructions") or "")
    notes_flow = text(f"填表说明：{notes}", size=7.5) if notes else None
    notes_h = notes_flow.height(CONTENT_W) + 4 if notes_flow else 0.0
    grid, scale = fit_one_page(form, docs, per_page, padded, top1 - bottom - notes_h, slots)
    pages = grid.paginate((top1 - bottom - notes_h) / scale, (topn - bottom - notes_h) / scale)
    drawers: list[PageDrawer] = []
    n = len(pages)
    for j, rows in enumerate(pages):

        def draw(
            c: Canvas, ctx: PageContext, rows=rows, first=(j == 0), last=(j == n - 1),
            scale=scale,
        ) -> None:  # fmt: skip
            top = PAGE_H - MARGIN_TOP
            if first:
                top = draw_title(c, title, top)
            draw_paper_header(c, form, name, record_no, top)
            if scale == 1.0:
                y = draw_rows(c, rows, MARGIN_X, content_top(first))
            else:
                # the page's shared text object ignores transforms: text drawn scaled
                # goes out on its own, then the page collects text again
                collecting = getattr(c, "_cunyi_text", None) is not None
                end_page_text(c)
                c.saveState()
                c.translate(MARGIN_X, content_top(first))
                c.scale(scale, scale)
                y = content_top(first) + draw_rows(c, rows, 0, 0) * scale
                c.restoreState()
                if collecting:
                    begin_page_text(c)
            if last and notes_flow is not None:
                notes_flow.draw(c, MARGIN_X - PAD, y - 2, CONTENT_W, notes_h - 4)
            draw_footer(c, ctx)

        drawers.append(draw)
    return drawers


def fit_one_page(
    form: FormDef,
    docs: list[dict[str, Any]],
    per_page: int,
    padded: list[dict[str, Any] | None],
    room: float,
    slots: list[str | None] | None = None,
) -> tuple[Grid, float]:
    """The grid of one sheet of visits and the scale it is drawn at. Four visits belong on one
    sheet, as on paper: long notes first get smaller type, then the whole table is laid out
    wider and drawn smaller, so it still fills the page width."""
    grid = None
    for scale in FIT_SCALES:
        builder = ColumnBuilder(form, docs, per_page, CONTENT_W / scale)
        for size in FIT_SIZES:
            grid = builder.grid(padded, size, slots)
            if sum(r.height for r in grid.rows) * scale <= room:
                return grid, scale
    assert grid is not None
    return grid, FIT_SCALES[-1]  # beyond this it continues on a second sheet
