"""The indicators of a year on one A4 page (portrait), for the wall or the county's visit:
indicator, numerator, denominator, rate and what counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from forms.pdf.document import Out, new_canvas
from forms.pdf.fonts import begin_page_text, draw_centred, draw_text, end_page_text, text_width

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
SIZE, SMALL = 9.0, 7.0
COLUMNS = (("指标", 52), ("分子", 16), ("分母", 16), ("率（%）", 18), ("说明", 78))
ROW_H = 12 * mm


def _lines(text: str, width: float, size: float) -> list[str]:
    out, line = [], ""
    for ch in text:
        if text_width(line + ch, size) > width:
            out.append(line)
            line = ""
        line += ch
    return [*out, line] if line else out


def render(out: Out, items: Sequence[dict[str, Any]], *, title: str, subtitle: str) -> int:
    c = new_canvas(out, title=title)
    begin_page_text(c)
    top = PAGE_H - MARGIN
    draw_centred(c, PAGE_W / 2, top - 14, title, 15)
    draw_text(c, MARGIN, top - 30, subtitle, SIZE)
    y = top - 40
    xs = [MARGIN]
    for _h, w in COLUMNS:
        xs.append(xs[-1] + w * mm)
    head = 8 * mm
    c.setLineWidth(0.4)
    c.rect(MARGIN, y - head - ROW_H * len(items), xs[-1] - MARGIN, head + ROW_H * len(items))
    for (h, w), x in zip(COLUMNS, xs, strict=False):
        draw_centred(c, x + w * mm / 2, y - head / 2 - 3, h, SIZE)
    for x in xs[1:-1]:
        c.line(x, y, x, y - head - ROW_H * len(items))
    y -= head
    c.line(MARGIN, y, xs[-1], y)
    for i in items:
        cells = (i["name"], str(i["numerator"]), "—" if i["denominator"] is None else str(i["denominator"]),
                 "—" if i["rate"] is None else f"{i['rate']:.1f}")  # fmt: skip
        for text, x in zip(cells, xs, strict=False):
            draw_text(c, x + 2, y - ROW_H / 2 - 3, text, SIZE)
        for k, line in enumerate(_lines(i["note"], COLUMNS[-1][1] * mm - 4, SMALL)[:3]):
            draw_text(c, xs[-2] + 2, y - 9 - k * (SMALL + 2), line, SMALL)
        y -= ROW_H
        c.line(MARGIN, y, xs[-1], y)
    end_page_text(c)
    c.showPage()
    c.save()
    return 1
