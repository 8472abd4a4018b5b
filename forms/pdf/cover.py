"""居民健康档案封面: the 17-digit number in boxes, the big title, the resident's lines to fill."""

from __future__ import annotations

from typing import Any

from reportlab.pdfgen.canvas import Canvas

from forms.model import Field, FormDef
from forms.pdf import values as V
from forms.pdf.flow import BOX, SIZE, draw_line, layout
from forms.pdf.fonts import draw_centred, draw_text, text_width
from forms.pdf.page import CONTENT_W, MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, PageContext, PageDrawer
from forms.pdf.residentdata import resident_values

LINE_SIZE = 13.0
LINE_STEP = 34.0


def number_tokens(record_no: str, groups: list[int]) -> tuple:
    digits = "".join(ch for ch in record_no if ch.isdigit()).ljust(sum(groups))
    out: list = [("t", "编号 ")]
    pos = 0
    for i, g in enumerate(groups):
        if i:
            out.append(("s", "-"))
        out.append(("d", digits[pos : pos + g]))
        pos += g
    return tuple(out)


def _value(f: Field, vals: dict[str, Any]) -> str:
    v = vals.get(f.key)
    if f.type == "date":
        return V.date_text(v)
    return V.scalar(f, v)


def cover_pages(form: FormDef, resident: dict[str, Any]) -> list[PageDrawer]:
    vals = resident_values(resident, saved=("cover_doc", "card_doc"))
    title = str(form.paper.get("full_title") or form.title)  # the paper says 居民健康档案

    def draw(c: Canvas, ctx: PageContext) -> None:
        y = PAGE_H - MARGIN_TOP - 10
        sections = list(form.sections)
        for s in sections:
            if s.layout.get("role") != "header":
                continue
            for f in s.fields:
                groups = list(
                    f.layout.get("digit_groups") or f.layout.get("groups") or [6, 3, 3, 5]
                )
                line = layout(number_tokens(str(vals.get(f.key) or ""), groups), CONTENT_W)[0]
                w = line[-1][0] + BOX * groups[-1]
                draw_line(c, line, MARGIN_X + CONTENT_W - w, y - BOX, SIZE)
        draw_centred(c, PAGE_W / 2, PAGE_H * 0.64, title, 34)
        y = PAGE_H * 0.50
        label_w = max(
            (text_width(V.printed_label(f) + "：", LINE_SIZE) for s in sections for f in s.fields),
            default=80,
        )
        x_label = PAGE_W / 2 - 150
        for s in sections:
            if s.layout.get("role") == "header":
                continue
            for f in s.fields:
                if not V.is_printed(f):
                    continue
                label = V.printed_label(f) + "："
                draw_text(c, x_label + label_w - text_width(label, LINE_SIZE), y, label, LINE_SIZE)
                x = x_label + label_w + 4
                if f.type == "date" and not vals.get(f.key):
                    draw_text(c, x, y, "          年        月        日", LINE_SIZE)
                else:
                    c.line(x, y - 3, x + 230, y - 3)
                    value = _value(f, vals)
                    size = LINE_SIZE  # a long address shrinks to stay on its line
                    while size > 7 and text_width(value, size) > 224:
                        size -= 0.5
                    draw_text(c, x + 4, y, value, size)
                y -= LINE_STEP
            y -= LINE_STEP * 0.8  # the archive lines sit apart from the resident's

    return [draw]
