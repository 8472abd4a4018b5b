"""健康教育活动记录表 on paper (issue 16): one sheet per activity, as the paper form, and the year's
list (A4 landscape: a row per activity, then the count by kind against the yearly requirement).
A voided activity is listed and printed as such, with its reason: nothing disappears from paper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from forms.model import FormDef
from forms.pdf.computed import with_computed
from forms.pdf.document import Out, draw_pages, new_canvas
from forms.pdf.fonts import begin_page_text, draw_centred, draw_text, end_page_text, text_width
from forms.pdf.forms_print import edition_of
from forms.pdf.page import MARGIN_X, PAGE_H, PageContext, PageDrawer
from forms.pdf.sheet import sheet_pages
from forms.registry import get_form

LIST_W, LIST_H = landscape(A4)
MARGIN = 10 * mm
TOP = LIST_H - 10 * mm
BOTTOM = 12 * mm
HEAD_H = 8 * mm
ROW_H = 8 * mm
SIZE, SMALL = 8.0, 6.5
VOIDED = "作废"

# (heading, width mm, key)
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("序号", 9, "n"), ("活动时间", 22, "date"), ("活动形式", 28, "kind"), ("活动主题", 52, "topic"),
    ("活动地点", 40, "place"), ("组织者", 30, "organizer"), ("人数", 12, "participants"),
    ("资料种类", 14, "material_kinds"), ("填表人", 20, "filled_by"), ("状态", 50, "status"),
)  # fmt: skip


def _fit(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def kind_label(form: FormDef, doc: dict[str, Any]) -> str:
    code = doc.get("activity_kind")
    label = form.table(form.field("activity_kind")).label(code) if isinstance(code, str) else None
    if code == "7" and doc.get("activity_kind_other"):
        return f"其他：{doc['activity_kind_other']}"
    return label or ""


def status_text(item: dict[str, Any]) -> str:
    return f"{VOIDED}：{item.get('void_reason') or ''}" if item.get("status") == "voided" else "有效"


def _cells(n: int, item: dict[str, Any]) -> dict[str, str]:
    doc = item.get("doc") or {}
    form = edition_of(get_form(item.get("form") or "health_education"), item.get("edition") or "2017")
    return {"n": str(n), "date": str(item.get("visit_date") or ""), "kind": kind_label(form, doc),
            "topic": str(doc.get("topic") or ""), "place": str(doc.get("place") or ""),
            "organizer": str(doc.get("organizer") or ""),
            "participants": "" if doc.get("participants") is None else str(doc["participants"]),
            "material_kinds": "" if doc.get("material_kinds") is None else str(doc["material_kinds"]),
            "filled_by": str(doc.get("filled_by") or ""), "status": status_text(item)}  # fmt: skip


def sheet_drawers(items: Sequence[dict[str, Any]]) -> list[PageDrawer]:
    """One paper form per activity (its pages), a voided one stamped 作废 with the reason."""
    pages: list[PageDrawer] = []
    for item in items:
        form = edition_of(get_form(item.get("form") or "health_education"), item.get("edition") or "2017")
        doc = dict(item.get("doc") or {})
        drawn = sheet_pages(form, with_computed(form, doc), {}, signature=False)
        if item.get("status") == "voided":
            drawn = [_stamped(d, status_text(item)) for d in drawn]
        pages += drawn
    return pages


def _stamped(draw: PageDrawer, words: str) -> PageDrawer:
    def stamped(c: Any, ctx: PageContext) -> None:
        draw(c, ctx)
        c.setFillColorRGB(0.75, 0, 0)
        draw_text(c, MARGIN_X, PAGE_H - 12 * mm, _fit(words, 160 * mm, 11), 11)
        c.setFillColorRGB(0, 0, 0)

    return stamped


def render_sheets(out: Out, items: Sequence[dict[str, Any]]) -> int:
    drawers = sheet_drawers(items)
    c = new_canvas(out, title="健康教育活动记录表")
    draw_pages(c, drawers)
    c.save()
    return len(drawers)


def _list_pages(items: Sequence[dict[str, Any]], summary_rows: int) -> list[list[tuple[int, dict[str, Any]]]]:
    per_page = int((TOP - 16 * mm - HEAD_H - BOTTOM) // ROW_H)
    numbered = list(enumerate(items, start=1))
    pages = [numbered[i : i + per_page] for i in range(0, len(numbered), per_page)] or [[]]
    room = per_page - len(pages[-1])
    if summary_rows and room * ROW_H < (summary_rows + 2) * 5 * mm:
        pages.append([])  # the summary goes on a page of its own
    return pages


def _draw_list_page(c: Any, rows: list[tuple[int, dict[str, Any]]], head: str, page: int, total: int) -> float:
    draw_centred(c, LIST_W / 2, TOP - 12, "健康教育活动记录一览表", 14)
    draw_text(c, MARGIN, TOP - 12 * mm, head, SIZE + 1)
    right = f"第 {page} 页 共 {total} 页"
    draw_text(c, LIST_W - MARGIN - text_width(right, SIZE), TOP - 12 * mm, right, SIZE)
    y = TOP - 16 * mm
    xs = [MARGIN]
    for _h, w, _k in COLUMNS:
        xs.append(xs[-1] + w * mm)
    if not rows and page > 1:
        return y
    c.setLineWidth(0.8)
    c.rect(MARGIN, y - HEAD_H - ROW_H * len(rows), xs[-1] - MARGIN, HEAD_H + ROW_H * len(rows))
    c.setLineWidth(0.4)
    for (heading, w, _k), x in zip(COLUMNS, xs, strict=False):
        draw_centred(c, x + w * mm / 2, y - HEAD_H / 2 - SIZE / 3, heading, SIZE)
    for x in xs[1:-1]:
        c.line(x, y, x, y - HEAD_H - ROW_H * len(rows))
    y -= HEAD_H
    c.line(MARGIN, y, xs[-1], y)
    if not rows:
        draw_text(c, MARGIN + 4, y - ROW_H / 2 - 3, "本年度没有活动记录", SIZE)
        return y - ROW_H
    for n, item in rows:
        cells = _cells(n, item)
        for (_h, w, key), x in zip(COLUMNS, xs, strict=False):
            size = SMALL if key in ("topic", "place", "status") else SIZE
            draw_text(c, x + 1.5, y - ROW_H / 2 - size / 3, _fit(cells[key], w * mm - 3, size), size)
        y -= ROW_H
        c.line(MARGIN, y, xs[-1], y)
    return y


def _draw_summary(c: Any, y: float, figures: Sequence[dict[str, Any]]) -> None:
    y -= 8 * mm
    for ind in figures:
        draw_text(c, MARGIN, y, f"{ind['name']}：达标 {ind['numerator']}/{ind['denominator']} 项", SIZE + 1)
        y -= 5 * mm
        for k in ind.get("by_kind") or ():
            need = f"要求 {k['required']}{k['unit']}" if k["required"] else "不考核"
            mark = "" if k["met"] is None else ("  达标" if k["met"] else "  未达标")
            draw_text(c, MARGIN + 6 * mm, y, f"{k['label']}：{k['count']}{k['unit']}（{need}）{mark}", SIZE)
            y -= 5 * mm


def render_year(out: Out, year: int, items: Sequence[dict[str, Any]], *, institution: str,
                figures: Sequence[dict[str, Any]] = (), sheets: bool = True) -> int:  # fmt: skip
    """The year's list with the count against the requirement, then (`sheets`) each activity's
    own sheet. Returns the pages written."""
    summary_rows = sum(1 + len(f.get("by_kind") or ()) for f in figures)
    pages = _list_pages(items, summary_rows)
    voided = sum(1 for i in items if i.get("status") == "voided")
    head = f"{institution}　{year}年度　共 {len(items) - voided} 次活动" + (f"（另有作废 {voided} 条）" if voided else "")
    c = new_canvas(out, pagesize=(LIST_W, LIST_H), title=f"{year}年度健康教育活动记录")
    for p, rows in enumerate(pages, start=1):
        begin_page_text(c)
        y = _draw_list_page(c, rows, head, p, len(pages))
        if p == len(pages):
            _draw_summary(c, y, figures)
        end_page_text(c)
        c.showPage()
    count = len(pages)
    if sheets and items:
        drawers = sheet_drawers(items)
        for d in drawers:
            c.setPageSize(A4)
            begin_page_text(c)
            d(c, PageContext(1, 1, numbered=False))
            end_page_text(c)
            c.showPage()
        count += len(drawers)
    c.save()
    return count
