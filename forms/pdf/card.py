"""居民健康档案信息卡: 85.6 x 54 mm, front and back, QR code of the record number."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.model import Field, FormDef, Section
from forms.pdf import values as V
from forms.pdf.entries import entries
from forms.pdf.flow import LEAD, Flow, Token
from forms.pdf.fonts import draw_text
from forms.pdf.residentdata import resident_values

CARD_W = 85.6 * mm
CARD_H = 54 * mm
PAD_X = 3 * mm
QR_SIZE = 19 * mm


QR_MASK = 0


def draw_qr(c: Canvas, value: str, x: float, y: float, size: float) -> None:
    """QR code (error level M, 4-module quiet zone) of `value` in a size x size square.

    The matrix comes from reportlab's own QR encoder. Two departures from the widget, for speed
    (1,000 cards): a fixed mask pattern instead of scoring all eight (any mask is a valid code;
    the scoring only avoids patterns that can confuse scanners, which the tests read back with
    zbar), and dark modules drawn as horizontal runs straight on the canvas (rendering the widget
    as a Drawing also sets Helvetica, an unembedded font)."""
    qr = QrCodeWidget(value, barLevel="M").qr
    if qr.version is None:
        qr.version = qr.calculate_version()
    qr.makeImpl(False, QR_MASK)
    n = qr.getModuleCount()
    border = 4
    step = size / (n + 2 * border)
    c.saveState()
    c.setFillGray(0)
    p = c.beginPath()
    for r, row in enumerate(qr.modules):
        col = 0
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            p.rect(
                x + (start + border) * step,
                y + size - (r + border + 1) * step,
                (col - start) * step,
                step,
            )
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def side_sections(form: FormDef, side: str) -> list[Section]:
    sides = form.paper.get("sides") if hasattr(form, "paper") else None
    if sides and side in sides:
        keys = list(sides[side])
        return [s for s in form.sections if s.key in keys]
    secs = [s for s in form.sections if s.layout.get("side") == side]
    if secs:
        return secs
    half = max(1, len(form.sections) // 2)  # no hints: first half front, the rest back
    return list(form.sections[:half] if side == "front" else form.sections[half:])


# Widths (points, before the card's scale) of the line left to write on when a field is empty:
# a field alone on its line gets a long one, fields sharing a line a shorter one each.
BLANK_ALONE = 150.0
BLANK_SHARED = 62.0


class CardText:
    def __init__(self, form: FormDef, vals: dict[str, Any], masked: bool) -> None:
        self.form, self.vals, self.masked = form, vals, masked

    def tokens(self, f: Field, blank_w: float = BLANK_ALONE) -> list[Token]:
        v = self.vals.get(f.key)
        if f.type in ("code", "multicode") and f.codes:
            table = self.form.code_tables[f.codes]
            chosen = V.chosen_codes(v)
            if f.layout.get("options") == "check":  # □A □B □O □AB, ticked when chosen
                out: list[Token] = []
                for code in table.codes:
                    out += [("b", "√" if code.code in chosen else ""), ("g", code.label + " ")]
                return out
            value = "、".join(table.label(c) or c for c in chosen)  # 性别：女
        elif f.type == "date":
            value = V.date_text(v)
        else:
            value = V.scalar(f, v, masked=self.masked)
        if not value:
            return [("u", "", blank_w)]  # a line to write on, as on the paper card
        # words (an address) wrap like handwriting; a number, date, name or code stays whole
        # on the line of its label ("g")
        return [("t" if f.type == "text" and f.key not in NO_BREAK else "g", value)]

    def flow(self, section: Section) -> list[Token]:
        out: list[Token] = []
        for e in entries(section, merge_rows=True):
            if out:
                out.append(("br",))
            blank_w = BLANK_SHARED if e.attached else BLANK_ALONE
            # a label is one unbreakable piece: "联系电话" never splits across lines
            out += [("s", V.printed_label(e.field) + "："), *self.tokens(e.field, blank_w)]
            for a, mode in e.attached:
                sep = mode[5:] if mode.startswith("join:") else "  "
                out += [("s", sep)] if sep else []
                if not mode.startswith("join:"):
                    out.append(("s", V.printed_label(a) + "："))
                out += self.tokens(a, BLANK_SHARED)
        return out


NO_BREAK = ("record_no", "name")


def draw_card_side(
    c: Canvas,
    form: FormDef,
    resident: dict[str, Any],
    side: str,
    x: float,
    y: float,
    *,
    masked: bool,
) -> None:
    """One side of one card with its lower-left corner at (x, y)."""
    vals = resident_values(resident, saved=("card_doc", "cover_doc"))
    text = CardText(form, vals, masked)
    c.saveState()
    c.setLineWidth(0.4)
    c.roundRect(x, y, CARD_W, CARD_H, 2.5 * mm, stroke=1, fill=0)
    top = y + CARD_H - 2.5 * mm
    if side == "front":
        draw_text(c, x + PAD_X, top - 8, form.title, 9)
        qr_key = str(form.paper.get("qr") or "record_no") if hasattr(form, "paper") else "record_no"
        draw_qr(
            c,
            str(vals.get(qr_key) or ""),
            x + CARD_W - QR_SIZE - 1.5 * mm,
            y + CARD_H - QR_SIZE - 2 * mm,
            QR_SIZE,
        )
        top -= 12
    toks: list[Token] = []
    for s in side_sections(form, side):
        if toks:
            toks.append(("br",))
        toks += text.flow(s)
    flow = Flow(tuple(toks))
    scale, width, h = card_scale(flow, side, top - y - 2 * mm)
    c.translate(x + PAD_X - 2, top)
    c.scale(scale, scale)
    flow.draw(c, 0, 0, width, h)
    c.restoreState()


MIN_SCALE, MAX_SCALE = 0.6, 1.0  # 4.8 to 8 pt text


def card_scale(flow: Flow, side: str, room: float) -> tuple[float, float, float]:
    """(scale, width, height) of the text of one side: the largest text (up to the forms' 8 pt)
    that fits the card and wraps no more lines than the smallest would, so a label and its
    options stay on the line they share."""

    def at(scale: float) -> tuple[float, float]:
        width = (CARD_W - 2 * PAD_X - (QR_SIZE if side == "front" else 0)) / scale
        return width, flow.height(width)

    fewest = at(MIN_SCALE)[1]
    scale = MAX_SCALE
    while scale > MIN_SCALE:
        width, h = at(scale)
        if h <= fewest and h <= room / scale:
            return scale, width, h
        scale -= 0.04
    return MIN_SCALE, *at(MIN_SCALE)


__all__ = ["CARD_H", "CARD_W", "LEAD", "draw_card_side", "draw_qr"]


SHEET_COLS, SHEET_ROWS = 2, 5  # ten cards on an A4 sheet


def _cut_marks(c: Canvas, x0: float, y0: float, page_w: float, page_h: float) -> None:
    """Short marks in the margins on every card edge: cut along them, nothing printed on the cut."""
    c.saveState()
    c.setLineWidth(0.3)
    xs = [x0 + i * CARD_W for i in range(SHEET_COLS + 1)]
    ys = [y0 + j * CARD_H for j in range(SHEET_ROWS + 1)]
    mark = 5 * mm
    for x in xs:
        c.line(x, y0 - 2 * mm - mark, x, y0 - 2 * mm)
        c.line(x, ys[-1] + 2 * mm, x, ys[-1] + 2 * mm + mark)
    for y in ys:
        c.line(x0 - 2 * mm - mark, y, x0 - 2 * mm, y)
        c.line(xs[-1] + 2 * mm, y, xs[-1] + 2 * mm + mark, y)
    c.restoreState()


def card_sheet_pages(form: FormDef, residents: list[dict[str, Any]], *, masked: bool):
    """Two A4 pages per ten residents: the fronts, then the backs mirrored left-right so that
    long-edge duplex printing puts each back behind its front."""
    from reportlab.lib.pagesizes import A4

    page_w, page_h = A4
    x0 = (page_w - SHEET_COLS * CARD_W) / 2
    y0 = (page_h - SHEET_ROWS * CARD_H) / 2
    per = SHEET_COLS * SHEET_ROWS
    for start in range(0, len(residents), per):
        chunk = residents[start : start + per]
        for side in ("front", "back"):

            def draw(c: Canvas, chunk=chunk, side=side) -> None:
                for i, res in enumerate(chunk):
                    row, col = divmod(i, SHEET_COLS)
                    if side == "back":
                        col = SHEET_COLS - 1 - col
                    x = x0 + col * CARD_W
                    y = y0 + (SHEET_ROWS - 1 - row) * CARD_H
                    draw_card_side(c, form, res, side, x, y, masked=masked)
                _cut_marks(c, x0, y0, page_w, page_h)

            yield draw
