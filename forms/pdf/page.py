"""The frame every form page shares: A4, title, 姓名/编号 header, signature lines, page numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from forms.pdf.flow import BOX, SIZE, draw_line, layout
from forms.pdf.fonts import draw_centred, draw_text, text_width

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 14 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TITLE_SIZE = 15.0
HEADER_H = 46.0  # title + header line, first page of a form
CONT_HEADER_H = 24.0  # header line only, continuation pages
FOOTER_H = 22.0


@dataclass
class PageContext:
    """Where a page sits in its document: number n of m (the booklet numbers per resident)."""

    n: int
    m: int
    numbered: bool = True


# A page that knows how to draw itself once its number is known; renderers lay out first,
# so a booklet can count pages and write its table of contents before drawing anything.
PageDrawer = Callable[[Canvas, PageContext], None]


def record_no_tail(record_no: str | None) -> str:
    """The 8 digits the forms print (village 3 + serial 5), blank boxes when unknown."""
    digits = "".join(ch for ch in (record_no or "") if ch.isdigit())
    return digits[-8:].rjust(8) if digits else " " * 8


def draw_title(c: Canvas, title: str, top: float) -> float:
    draw_centred(c, PAGE_W / 2, top - TITLE_SIZE, title, TITLE_SIZE)
    return top - TITLE_SIZE - 8


def draw_header(c: Canvas, name: str, record_no: str | None, top: float) -> float:
    """`姓名：xx` on the left, `编号 □□□-□□□□□` on the right, as on every paper form."""
    base = top - BOX + 2
    draw_text(c, MARGIN_X, base, "姓名：", 9.5)
    x = MARGIN_X + text_width("姓名：", 9.5)
    draw_text(c, x + 2, base, name or "", 9.5)
    c.line(x, base - 2, x + 90, base - 2)
    tail = record_no_tail(record_no)
    tokens = (("t", "编号"), ("d", tail[:3]), ("s", "-"), ("d", tail[3:]))
    line = layout(tokens, CONTENT_W, SIZE)[0]
    w = line[-1][0] + BOX * 5
    draw_line(c, line, MARGIN_X + CONTENT_W - w, base, SIZE)
    return top - BOX - 8


def draw_footer(c: Canvas, ctx: PageContext) -> None:
    if ctx.numbered:
        draw_centred(c, PAGE_W / 2, MARGIN_BOTTOM - 10, f"第 {ctx.n} 页 共 {ctx.m} 页", 8.5)


def draw_signature(c: Canvas, y: float, who: str = "医生签字", date: str = "") -> float:
    """Signature and date lines under a sheet form; the date is printed when known."""
    base = y - 20
    x = MARGIN_X + CONTENT_W - 330
    draw_text(c, x, base, f"{who}：", 9)
    x += text_width(f"{who}：", 9)
    c.line(x, base - 2, x + 110, base - 2)
    x += 130
    draw_text(c, x, base, "日期：", 9)
    x += text_width("日期：", 9) + 4
    y_, m_, d_ = (date.split("-") + ["", "", ""])[:3] if date else ("", "", "")
    for part, unit, w in ((y_, "年", 34), (m_, "月", 20), (d_, "日", 20)):
        c.line(x, base - 2, x + w, base - 2)
        if part:
            draw_centred(c, x + w / 2, base, part, 9)
        draw_text(c, x + w + 1, base, unit, 9)
        x += w + 12
    return base - 8


def content_top(first: bool) -> float:
    return PAGE_H - MARGIN_TOP - (HEADER_H if first else CONT_HEADER_H)


def content_bottom() -> float:
    return MARGIN_BOTTOM + FOOTER_H
