"""The printed round list (随访名单): A4 landscape, one village per page run, a row per due item
with who, what, when and why, and blank columns (with their headings) for the results written
on the round by hand: 随访日期, 血压/血糖, 分类, 下次随访, 签名."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from forms.pdf.document import Out, new_canvas
from forms.pdf.fonts import begin_page_text, draw_centred, draw_text, end_page_text, text_width

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 10 * mm
TOP = PAGE_H - 10 * mm
BOTTOM = 12 * mm
HEAD_H = 9 * mm
ROW_H = 9 * mm  # room for a handwritten entry
SIZE, SMALL = 8.0, 6.5
SEX = {"1": "男", "2": "女", "0": "", "9": ""}

# (heading, width mm, key); key None: a blank column for the round's results
COLUMNS: tuple[tuple[str, float, str | None], ...] = (
    ("序号", 8, "n"), ("档案编号", 30, "record_no"), ("姓名", 16, "name"), ("性别", 7, "sex"),
    ("年龄", 8, "age"), ("电话", 22, "phone"), ("项目", 33, "item"), ("应随访日期", 18, "due_date"),
    ("逾期天数", 11, "overdue"), ("原因", 36, "reason"),
    ("随访日期", 18, None), ("血压/血糖", 20, None), ("分类", 12, None), ("下次随访", 18, None),
    ("签名", 20, None),
)  # fmt: skip
BLANK_HEADINGS = tuple(h for h, _w, key in COLUMNS if key is None)


def _age(birth: str | None, on: dt.date) -> str:
    try:
        b = dt.date.fromisoformat(birth or "")
    except ValueError:
        return ""
    return str(on.year - b.year - ((on.month, on.day) < (b.month, b.day)))


def _fit(text: str, width: float, size: float) -> str:
    """The text cut to the column (…): the full reason is on the screen and in `cunyi due`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _cells(n: int, item: dict[str, Any], on: dt.date) -> dict[str, str]:
    r = item["resident"]
    return {"n": str(n), "record_no": r.get("record_no") or "", "name": r.get("name") or "",
            "sex": SEX.get(r.get("sex") or "", ""), "age": _age(r.get("birth_date"), on),
            "phone": r.get("phone") or "", "item": item.get("item") or "", "due_date": item["due_date"],
            "overdue": str(item["overdue_days"]) if item.get("overdue_days") else "",
            "reason": item.get("reason") or ""}  # fmt: skip


def _pages(items: Sequence[dict[str, Any]]) -> list[tuple[str, list[tuple[int, dict[str, Any]]]]]:
    """(village, numbered rows) per page: a village starts a new page."""
    per_page = int((TOP - 14 * mm - HEAD_H - BOTTOM) // ROW_H)
    pages: list[tuple[str, list[tuple[int, dict[str, Any]]]]] = []
    village, n = None, 0
    for item in items:
        v = item["resident"].get("village") or ""
        if v != village or len(pages[-1][1]) >= per_page:
            if v != village:
                village, n = v, 0
            pages.append((v, []))
        n += 1
        pages[-1][1].append((n, item))
    return pages


def render(out: Out, items: Sequence[dict[str, Any]], *, institution: str,
           on: dt.date | None = None, title: str = "随访名单") -> int:  # fmt: skip
    """Writes the list (items as app.services.due gives them, in list order); returns pages."""
    on = on or dt.date.today()
    c = new_canvas(out, pagesize=(PAGE_W, PAGE_H), title=title)
    pages = _pages(items) or [("", [])]
    for p, (village, rows) in enumerate(pages, start=1):
        begin_page_text(c)
        draw_centred(c, PAGE_W / 2, TOP - 12, title, 14)
        head = f"{institution}　村（居）{village or '—'}　打印日期 {on.isoformat()}"
        draw_text(c, MARGIN, TOP - 12 * mm, head, SIZE + 1)
        right = f"第 {p} 页 共 {len(pages)} 页"
        draw_text(c, PAGE_W - MARGIN - text_width(right, SIZE), TOP - 12 * mm, right, SIZE)
        y = TOP - 14 * mm
        xs = [MARGIN]
        for _h, w, _k in COLUMNS:
            xs.append(xs[-1] + w * mm)
        c.setLineWidth(0.8)
        c.rect(MARGIN, y - HEAD_H - ROW_H * len(rows), xs[-1] - MARGIN, HEAD_H + ROW_H * len(rows))
        c.setLineWidth(0.4)
        for (heading, w, key), x in zip(COLUMNS, xs, strict=False):
            size = SIZE if text_width(heading, SIZE) <= w * mm - 3 else SMALL
            draw_centred(c, x + w * mm / 2, y - HEAD_H / 2 - size / 3, heading, size)
            if key is None:  # the blank columns: shaded heading, to be filled in by hand
                c.setFillGray(0.9)
                c.rect(x, y - HEAD_H, w * mm, HEAD_H, stroke=0, fill=1)
                c.setFillGray(0)
        for x in xs[1:-1]:
            c.line(x, y, x, y - HEAD_H - ROW_H * len(rows))
        y -= HEAD_H
        c.line(MARGIN, y, xs[-1], y)
        if not rows:
            draw_text(c, MARGIN + 4, y - ROW_H / 2 - 3, "名单为空", SIZE)
        for n, item in rows:
            cells = _cells(n, item, on)
            for (_h, w, key), x in zip(COLUMNS, xs, strict=False):
                if key is None:
                    continue
                size = SMALL if key == "reason" else SIZE
                draw_text(c, x + 1.5, y - ROW_H / 2 - size / 3, _fit(cells[key], w * mm - 3, size), size)
            y -= ROW_H
            c.line(MARGIN, y, xs[-1], y)
        end_page_text(c)
        c.showPage()
    c.save()
    return len(pages)
