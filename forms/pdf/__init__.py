"""Paper-equivalent PDFs of the standard forms, record cards, covers and booklets (reportlab).

Plain data in, so app/ and the county server can call it without a database:
    resident: {uuid, record_no, name, sex, birth_date, id_number, phone, village, status, address,
               doc (the personal_info document), institution, doctor, household_head, created_at}
    record:   {uuid, form, edition, visit_date, doc}
`out` is a path or a binary file object. Missing keys print blank. Everything is drawn with the
bundled WenQuanYi Micro Hei, embedded as a subset. Layout hints read from the definitions are
listed in forms/pdf/values.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from forms.model import FormDef
from forms.pdf.booklet import write_booklets
from forms.pdf.card import (
    CARD_H,
    CARD_W,
    SHEET_COLS,
    SHEET_ROWS,
    card_sheet_pages,
    draw_card_side,
)
from forms.pdf.cover import cover_pages
from forms.pdf.document import draw_pages, new_canvas, write_pages
from forms.pdf.fonts import UnprintableText, unprintable
from forms.pdf.forms_print import form_pages, resolve
from forms.pdf.printable import check_printable
from forms.pdf.signatures import unsigned
from forms.registry import get_form

__all__ = [
    "UnprintableText",
    "check_printable",
    "render_booklets",
    "render_cards",
    "render_covers",
    "render_form",
    "render_forms",
    "unprintable",
]


def render_form(
    code: str | FormDef,
    resident: dict[str, Any],
    records: list[dict[str, Any]],
    out: Any,
    *,
    mask_id: bool = False,
    typed_signatures: bool = False,
) -> int:
    """One form of one resident: a sheet per record, or the visits in columns. Returns pages.
    The cover and the card, printed from the resident's data, go to their own renderers.
    Signature cells stay empty for the pen unless `typed_signatures` prints the typed name."""
    form = resolve(code)
    if form.layout == "card":
        return render_cards([resident], out, mask_id=mask_id)
    if form.code == "cover":
        return render_covers([resident], out)
    records = _signed(records, typed_signatures)
    check_printable(resident, records)
    pages = form_pages(form, resident, records, mask_id=mask_id)
    return write_pages(out, pages, title=form.title)


def render_forms(
    code: str | FormDef,
    items: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]],
    out: Any,
    *,
    mask_id: bool = False,
    typed_signatures: bool = False,
) -> int:
    """One form for several residents in one PDF (each numbered on its own). Returns pages."""
    form = resolve(code)
    if form.layout == "card":
        return render_cards((res for res, _records in items), out, mask_id=mask_id)
    if form.code == "cover":
        return render_covers((res for res, _records in items), out)
    c = new_canvas(out, title=form.title)
    n = 0
    for resident, records in items:
        records = _signed(records, typed_signatures)
        check_printable(resident, records)
        pages = form_pages(form, resident, records, mask_id=mask_id)
        draw_pages(c, pages)
        n += len(pages)
    c.save()
    return n


def render_cards(
    residents: Iterable[dict[str, Any]], out: Any, *, page: str = "a4", mask_id: bool = True
) -> int:
    """Record cards: A4 sheets of ten with cut marks (fronts, then backs mirrored for duplex),
    or `page="card"`: one 85.6 x 54 mm page per side for a card printer. Returns pages."""
    form = get_form("info_card")
    if page not in ("a4", "card"):
        raise ValueError(f"未知的卡片纸张：{page}（可选 a4、card）")
    size = (CARD_W, CARD_H) if page == "card" else A4
    c = new_canvas(out, pagesize=size, title=form.title)
    n = 0
    it = _checked(residents)  # streamed: a village's cards never sit in memory at once
    if page == "card":
        for res in it:
            for side in ("front", "back"):
                draw_card_side(c, form, res, side, 0, 0, masked=mask_id)
                c.showPage()
                n += 1
    else:
        while batch := list(islice(it, SHEET_COLS * SHEET_ROWS)):
            for draw in card_sheet_pages(form, batch, masked=mask_id):
                draw(c)
                c.showPage()
                n += 1
    c.save()
    return n


def render_covers(residents: Iterable[dict[str, Any]], out: Any) -> int:
    form = get_form("cover")
    c: Canvas = new_canvas(out, title=form.title)
    n = 0
    for res in _checked(residents):
        pages = cover_pages(form, res)
        draw_pages(c, pages, first_numbered=len(pages) + 1)
        n += len(pages)
    c.save()
    return n


def render_booklets(
    items: Iterable[tuple[dict[str, Any], Iterable[dict[str, Any]]]],
    out: Any,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    mask_id: bool = False,
    typed_signatures: bool = False,
) -> int:
    """Booklets of many residents in one PDF, streamed chunk by chunk; returns pages written.
    `progress(done, total_or_None)` after each resident; `cancelled()` stops between residents."""
    checked = (
        (res, _checked_records(res, _signed(list(recs), typed_signatures))) for res, recs in items
    )
    return write_booklets(checked, out, progress=progress, cancelled=cancelled, mask_id=mask_id)


def _checked(residents: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The residents, each refused (UnprintableText, naming the field) before it is drawn when
    it holds a character no bundled font can print."""
    for res in residents:
        check_printable(res)
        yield res


def _checked_records(
    resident: dict[str, Any], records: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    records = list(records)
    check_printable(resident, records)
    return records


def _signed(records: Iterable[dict[str, Any]], typed: bool) -> list[dict[str, Any]]:
    return list(records) if typed else unsigned(list(records))
