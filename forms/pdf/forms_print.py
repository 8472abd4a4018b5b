"""Any form of a resident as paper pages: picks the sheet or column renderer from its definition."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from forms.codes import canonical_edition
from forms.model import FormDef
from forms.pdf.columns import column_pages
from forms.pdf.computed import with_computed
from forms.pdf.document import draw_pages, new_canvas
from forms.pdf.page import PageDrawer
from forms.pdf.sheet import sheet_pages
from forms.registry import CURRENT_EDITION, UnknownForm, get_form

# Resident columns that the forms describing a person (个人基本信息表, 封面, 信息卡) print
# from the resident row when their document does not carry them.
IDENTITY_KEYS = ("name", "sex", "birth_date", "id_number", "phone", "address", "village")
PERSONAL_INFO = "personal_info"


def resolve(code: str | FormDef, edition: str | None = None) -> FormDef:
    if isinstance(code, FormDef):
        return code
    return get_form(code, edition or CURRENT_EDITION)


def edition_of(base: FormDef, edition: str) -> FormDef:
    """The definition a record was made under, so old records keep their own code tables
    (2009/2011 RH 1否 2是 vs 2017 1阴性 2阳性)."""
    edition = canonical_edition(str(edition))  # 2011 records use the 2009 codes
    if edition == base.edition:
        return base
    try:
        return get_form(base.code, edition)
    except UnknownForm:
        return base


def person_doc(
    form: FormDef, resident: dict[str, Any], doc: dict[str, Any] | None
) -> dict[str, Any]:
    """The document with the resident's identity columns filled in where the form has such a
    field and the document leaves it empty."""
    out = dict(doc or {})
    keys = {f.key for f in form.fields()}
    for key in IDENTITY_KEYS:
        if key not in keys:
            continue
        if out.get(key) in (None, "") and resident.get(key) not in (None, ""):
            out[key] = resident[key]
    return out


def form_pages(
    code: str | FormDef,
    resident: dict[str, Any],
    records: list[dict[str, Any]],
    *,
    mask_id: bool = False,
) -> list[PageDrawer]:
    """Pages of one form for one resident: one sheet per record, or visits in columns.

    A sheet form with no record prints the resident's own document for 个人基本信息表 and a
    blank form otherwise (to fill in by hand). Records of an older edition print with that
    edition's code tables.
    """
    base = resolve(code)
    records = list(records)
    if base.layout == "columns":
        pages: list[PageDrawer] = []
        by_edition = sorted(records, key=lambda r: str(r.get("visit_date") or ""))
        for edition, group in groupby(by_edition, key=lambda r: r.get("edition") or base.edition):
            form = edition_of(base, edition)
            pages += column_pages(form, list(group), resident)
        return pages or column_pages(base, [], resident)
    if base.paper.get("letter"):  # 双向转诊单: stub and slip worded as a letter
        from forms.pdf.letter import letter_pages

        docs = [
            dict(
                r.get("doc") or {},
                visit_date=r.get("visit_date") or (r.get("doc") or {}).get("visit_date"),
            )
            for r in records
        ] or [{"referral_type": "1"}, {"referral_type": "2"}]  # blank: both
        return [
            p for d in docs for p in letter_pages(base, person_doc(base, resident, d), resident)
        ]
    if not records:
        doc = resident.get("doc") if base.code == PERSONAL_INFO else {}
        doc = with_computed(base, person_doc(base, resident, doc))
        return sheet_pages(base, doc, resident, masked=mask_id)
    pages = []
    for rec in sorted(records, key=lambda r: str(r.get("visit_date") or "")):
        edition = rec.get("edition") or base.edition
        form = edition_of(base, edition)
        doc = dict(rec.get("doc") or {})
        if rec.get("visit_date") and not doc.get("visit_date"):
            doc["visit_date"] = rec["visit_date"]
        doc = with_computed(form, person_doc(form, resident, doc))
        pages += sheet_pages(form, doc, resident, masked=mask_id)
    return pages


def blank_pages(code: str | FormDef, resident: dict[str, Any]) -> list[PageDrawer]:
    """A form to fill in by hand on a home visit: the resident's 姓名 and 编号 above it, every
    option with its □ and a line for every value, nothing else written."""
    form = resolve(code)
    if form.layout == "columns":
        return column_pages(form, [], resident)
    if form.paper.get("letter"):  # 双向转诊单: both letters, the patient's name on them
        return form_pages(form, resident, [])
    return sheet_pages(form, {}, resident)


def render_blanks(items: Iterable[tuple[str, dict[str, Any]]], out: Any) -> int:
    """Blank sheets in one PDF, (form code, resident) in the order given (a round of home
    visits: one sheet per resident, numbered on its own). Returns pages."""
    c = new_canvas(out, title="空白随访表")
    n = 0
    for code, resident in items:
        pages = blank_pages(code, resident)
        draw_pages(c, pages)
        n += len(pages)
    c.save()
    return n
