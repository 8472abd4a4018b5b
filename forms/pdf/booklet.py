"""Record booklets: cover, contents, basic information, exams, follow-ups, other records, per
resident, numbered "第 n 页 共 m 页"; many residents stream into one PDF chunk by chunk."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from forms.checks import parse_date
from forms.pdf.concat import PdfConcatenator
from forms.pdf.cover import cover_pages
from forms.pdf.document import draw_pages, new_canvas
from forms.pdf.flow import text
from forms.pdf.fonts import FONT
from forms.pdf.forms_print import PERSONAL_INFO, form_pages, resolve
from forms.pdf.grid import Cell, Row, draw_rows
from forms.pdf.page import (
    CONTENT_W,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PageContext,
    PageDrawer,
    draw_footer,
    draw_header,
    draw_title,
    record_no_tail,
)
from forms.registry import UnknownForm, get_form


# The order of the 表单目录: cover, 个人基本信息表, 健康体检表, then the 重点人群 records in the
# order of the service specs (老年人, 高血压, 2型糖尿病), then 接诊/会诊/转诊. Forms not listed
# follow in code order, so a new definition still prints.
def _catalogue() -> tuple[str, ...]:
    try:
        from forms.definitions import ORDER  # the 表单目录 as the definitions declare it

        return tuple(ORDER)
    except ImportError:
        return (PERSONAL_INFO, "health_exam", "elderly_selfcare", "htn_followup", "dm_followup")


CATALOGUE = _catalogue()
# 0～6岁儿童 keep their basic data on 新生儿家庭访视记录表, not on 个人基本信息表 (whose own note
# says children 0-6 do not fill it): a child's booklet prints the newborn sheet in its place.
NEWBORN = "newborn_visit"
CHILD_AGE = 7
CHUNK_PAGES = 400  # pages rendered per in-memory chunk before streaming them out

Progress = Callable[[int, int | None], None]


def _order(code: str) -> tuple[int, str]:
    return (CATALOGUE.index(code) if code in CATALOGUE else len(CATALOGUE), code)


def is_child(
    resident: dict[str, Any], by_form: dict[str, list[dict[str, Any]]], today: dt.date
) -> bool:
    """Under 7 on the printing day, or with a 新生儿家庭访视记录表 whatever the age."""
    if by_form.get(NEWBORN):
        return True
    birth = parse_date(resident.get("birth_date"))
    if birth is None or birth > today:
        return False
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return age < CHILD_AGE


def resident_parts(
    resident: dict[str, Any],
    records: Iterable[dict[str, Any]],
    *,
    mask_id: bool = False,
    today: dt.date | None = None,
) -> list[tuple[str, list[PageDrawer]]]:
    """(table-of-contents title, pages) for each part of one resident's booklet. A child's
    booklet has the newborn sheet (its basic data) instead of 个人基本信息表."""
    by_form: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        by_form.setdefault(str(rec.get("form")), []).append(rec)
    if is_child(resident, by_form, today or dt.date.today()):
        by_form.pop(PERSONAL_INFO, None)
        if NEWBORN in CATALOGUE:
            by_form.setdefault(NEWBORN, [])
    else:
        by_form.setdefault(PERSONAL_INFO, [])
    parts: list[tuple[str, list[PageDrawer]]] = []
    for code in sorted(by_form, key=_order):
        try:
            form = resolve(code)
        except UnknownForm:
            continue  # a record of a form this version does not know cannot be drawn
        if form.layout == "card" or code == "cover":
            continue
        recs = by_form[code]
        if code == PERSONAL_INFO and not recs and not resident.get("doc"):
            continue
        parts.append((form.title, form_pages(form, resident, recs, mask_id=mask_id)))
    return parts


def toc_page(resident: dict[str, Any], entries: list[tuple[str, int, int]]) -> PageDrawer:
    """目录: each part with its first and last page."""
    rows = [
        Row(
            [
                Cell(0, CONTENT_W * 0.7, text("表单名称", align="center")),
                Cell(CONTENT_W * 0.7, CONTENT_W, text("页码", align="center")),
            ],
            min_height=22,
        )
    ]
    for title, first, last in entries:
        pages = f"第 {first} 页" if first == last else f"第 {first}～{last} 页"
        rows.append(
            Row(
                [
                    Cell(0, CONTENT_W * 0.7, text(title)),
                    Cell(CONTENT_W * 0.7, CONTENT_W, text(pages, align="center")),
                ],
                min_height=22,
            )
        )
    for r in rows:
        r.measure()

    def draw(c: Canvas, ctx: PageContext) -> None:
        top = draw_title(c, "目  录", PAGE_H - MARGIN_TOP)
        y = draw_header(c, str(resident.get("name") or ""), resident.get("record_no"), top)
        draw_rows(c, rows, MARGIN_X, y - 6)
        draw_footer(c, ctx)

    return draw


def booklet_pages(
    resident: dict[str, Any],
    records: Iterable[dict[str, Any]],
    *,
    mask_id: bool = False,
    today: dt.date | None = None,
) -> list[PageDrawer]:
    parts = resident_parts(resident, records, mask_id=mask_id, today=today)
    cover = cover_pages(get_form("cover"), resident)
    entries: list[tuple[str, int, int]] = []
    n = len(cover) + 1 + 1  # cover, contents, then the parts
    for title, pages in parts:
        entries.append((title, n, n + len(pages) - 1))
        n += len(pages)
    out: list[PageDrawer] = [*cover, toc_page(resident, entries)]
    for _title, pages in parts:
        out.extend(pages)
    return out


def bookmark(resident: dict[str, Any]) -> str:
    """Outline entry of a resident's booklet: name and the printed 8-digit number."""
    tail = record_no_tail(resident.get("record_no")).strip()
    return f"{resident.get('name') or ''} {tail[:3]}-{tail[3:]}".strip(" -")


def write_booklets(
    items: Iterable[tuple[dict[str, Any], Iterable[dict[str, Any]]]],
    out: Any,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    mask_id: bool = False,
    title: str = "居民健康档案",
    today: dt.date | None = None,
) -> int:
    """Render booklets one resident at a time into chunks of ~CHUNK_PAGES pages, each appended
    to the output as soon as it is complete; returns the number of pages written."""
    own = isinstance(out, str) or hasattr(out, "__fspath__")
    fh = open(out, "wb") if own else out  # noqa: SIM115 - closed in the finally below
    try:
        cat = PdfConcatenator(fh, title=title)
        buf = io.BytesIO()
        canvas = None
        in_chunk = 0
        marks: list[tuple[int, str]] = []
        total = None
        if hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        for done, (resident, records) in enumerate(items, start=1):
            if cancelled is not None and cancelled():
                break
            if canvas is None:
                buf = io.BytesIO()
                canvas = new_canvas(buf, title=title)
            pages = booklet_pages(resident, records, mask_id=mask_id, today=today)
            marks.append((in_chunk, bookmark(resident)))
            draw_pages(canvas, pages, first_numbered=2)
            in_chunk += len(pages)
            if in_chunk >= CHUNK_PAGES:
                canvas.save()
                cat.append(buf.getvalue(), marks)
                canvas, in_chunk, marks = None, 0, []
            if progress is not None:
                progress(done, total)
        if canvas is not None:
            canvas.save()
            cat.append(buf.getvalue(), marks)
        if not cat.kids:  # nothing to print still makes a valid (one blank page) PDF
            c = new_canvas(buf := io.BytesIO(), title=title)
            c.setFont(FONT, 12)
            c.drawString(MARGIN_X, PAGE_H / 2, "没有可打印的档案")
            c.showPage()
            c.save()
            cat.append(buf.getvalue())
        return cat.close()
    finally:
        if own:
            fh.close()
