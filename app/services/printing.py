"""Printing: gathers what the paper needs from the store, renders it with forms.pdf, and audits
who printed what. Batches read residents in chunks so a whole village streams."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app import roles
from app.db.models import Household, Record, Resident, User
from app.errors import InvalidInput
from app.services import audit, refs
from app.services.records import as_dict
from forms.model import FieldError

if TYPE_CHECKING:
    from app.store import Store

CHUNK = 50


def printable(session: Session, store: Store, r: Resident) -> dict[str, Any]:
    """The resident as forms.pdf expects it."""
    head = None
    if r.household_uuid:
        hh = session.get(Household, r.household_uuid)
        if hh and hh.head_uuid:
            head_row = session.get(Resident, hh.head_uuid)
            head = head_row.name if head_row else None
    # 建档人: who registered the resident, when that is a user of this installation (a resident
    # pulled from the county server was registered elsewhere: left for the pen, never "sync")
    creator = session.execute(select(User.display_name).where(User.name == r.created_by)).scalar()
    return {
        "uuid": r.uuid, "record_no": r.record_no, "name": r.name, "sex": r.sex,
        "birth_date": r.birth_date, "id_number": r.id_number, "phone": r.phone,
        "village": r.village, "status": r.status, "address": r.address, "doc": json.loads(r.doc),
        "institution": store.institution.name, "creator": creator,
        "tags": [t for t in r.tags.split() if t not in roles.SENSITIVE_TAGS],  # never on card or cover
        "household_head": head, "created_at": r.created_at[:10], **_archive_facts(session, r.uuid),
    }  # fmt: skip


def _archive_facts(session: Session, resident_uuid: str) -> dict[str, Any]:
    """From the resident's records: the saved cover and card (printed as saved), the 责任医生
    (a 健康体检表's, else the latest record that names a doctor) and the first visit date."""
    rows = session.execute(
        select(Record.form, Record.visit_date, func.json_extract(Record.doc, "$.doctor"),
               case((Record.form.in_(("cover", "info_card")), Record.doc)))
        .where(Record.resident_uuid == resident_uuid, Record.status == "final")
        .order_by(Record.visit_date, Record.created_at)).all()  # fmt: skip
    out: dict[str, Any] = {"doctor": None, "first_visit": None}
    exam_doctor = None
    for form, visit_date, doctor, doc in rows:
        if doc is not None:
            out["cover_doc" if form == "cover" else "card_doc"] = json.loads(doc)
            continue
        if visit_date and out["first_visit"] is None:
            out["first_visit"] = visit_date
        if isinstance(doctor, str) and doctor.strip():
            out["doctor"] = doctor.strip()
            if form == "health_exam":
                exam_doctor = out["doctor"]
    out["doctor"] = exam_doctor or out["doctor"]
    return out


def _records(session: Session, resident_uuid: str, form: str | None = None) -> list[dict[str, Any]]:
    q = select(Record).where(Record.resident_uuid == resident_uuid, Record.status == "final")
    if form:
        q = q.where(Record.form == form)
    return [as_dict(r) for r in session.execute(q.order_by(Record.visit_date)).scalars()]


def _residents(store: Store, ref_list: list[str]) -> list[str]:
    if not ref_list:
        raise InvalidInput(FieldError("ref", "居民", "请至少指定一位居民"))
    with store.session() as s:
        return [refs.resident(s, ref).uuid for ref in ref_list]


def village_residents(store: Store, village: str) -> list[str]:
    with store.session() as s:
        q = select(Resident.uuid).where(Resident.village == village, Resident.status == "active")
        uuids = list(s.execute(q.order_by(Resident.record_no)).scalars())
    if not uuids:
        raise InvalidInput(FieldError("village", "村（居）委会代码", f"村{village}没有在册居民"))
    return uuids


def _stream(store: Store, uuids: list[str], form: str | None = None,
            records: bool = True) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:  # fmt: skip
    """(resident, records) pairs, read CHUNK residents per short transaction."""
    for i in range(0, len(uuids), CHUNK):
        with store.session() as s:
            rows = {r.uuid: r for r in s.execute(
                select(Resident).where(Resident.uuid.in_(uuids[i : i + CHUNK]))).scalars()}  # fmt: skip
            batch = [(printable(s, store, rows[u]), _records(s, u, form) if records else [])
                     for u in uuids[i : i + CHUNK]]  # fmt: skip
            if not roles.sees_sensitive(store):  # booklets: the sensitive forms left out (issue 16)
                batch = [(r, [x for x in recs if x["form"] not in roles.SENSITIVE_FORMS]) for r, recs in batch]
        yield from batch


def _typed_signatures(store: Store) -> bool:
    from app.services import settings

    return bool(settings.get_all(store).get("print_typed_signatures"))


def _refusing_unprintable(render: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run a forms.pdf renderer; a value no bundled font can print (a private-use character)
    is refused like bad input, naming the field, and nothing is audited as printed."""
    from forms.pdf import UnprintableText

    try:
        return render(*args, **kwargs)
    except UnprintableText as e:
        raise InvalidInput(e.errors) from None


def _allowed(store: Store, *, village: str | None = None, mask_id: bool = True) -> None:
    """A whole village, or the whole ID number, only for the roles the matrix names."""
    if village:
        roles.require(store, "print_village")
    if not mask_id:
        roles.require(store, "print_full_id")


def _audit(store: Store, uuids: Iterable[str], what: str, pages: int, **extra: Any) -> None:
    with store.session(write=True) as s:
        for u in uuids:
            audit.append(s, store.user.name, "print", "resident", u, {"what": what, "pages": pages, **extra})


def _known_form(form: str) -> None:
    import forms

    try:
        definition = forms.get_form(form)
    except forms.UnknownForm as e:
        raise InvalidInput(FieldError("form", "表单代码", f"{e}；可用：{'、'.join(forms.form_codes())}")) from None
    if definition.subject != "resident":  # the clinic's own log is printed by the year
        raise InvalidInput(FieldError("form", "表单代码", f"{definition.title}不属于居民档案，"
                                                         "请用 activity print 或“健康教育”窗口打印"))


def print_form(store: Store, form: str, ref_list: list[str], out: Any, *, record: str | None = None,
               mask_id: bool = False, blank: bool = False) -> int:  # fmt: skip
    """One form of residents: their records, or with `blank` the empty form under their name
    and number, to fill in by hand on a home visit and enter later."""
    from forms.pdf import render_forms

    _known_form(form)
    roles.require_form(store, form)
    if not blank:
        _allowed(store, mask_id=mask_id)
    if blank and record:
        raise InvalidInput(FieldError("record", "记录", "打印空白表时不能指定记录"))
    if blank:
        return print_blanks(store, [(form, ref) for ref in ref_list], out)
    uuids = _residents(store, ref_list)
    items: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]
    if record:
        with store.session() as s:
            rec = refs.record(s, record)
            if rec.form != form or rec.resident_uuid not in uuids:
                raise InvalidInput(FieldError("record", "记录", "该记录不是所指居民的此种表单"))
            owner = s.get(Resident, rec.resident_uuid)
            assert owner is not None  # a record's resident is never deleted
            items = [(printable(s, store, owner), [as_dict(rec)])]
    else:
        items = _stream(store, uuids, form)
    pages = _refusing_unprintable(render_forms, form, items, out, mask_id=mask_id,
                                  typed_signatures=_typed_signatures(store))  # fmt: skip
    _audit(store, uuids, f"form:{form}", pages, **({"record": record} if record else {}))
    return pages


def print_blanks(store: Store, items: list[tuple[str, str]], out: Any, *,
                 progress: Callable[[int, int | None], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> int:  # fmt: skip
    """Blank sheets, one per (form code, resident reference), in the order given: the pack for
    a round of home visits. `progress(done, total)` after each sheet; `cancelled()` stops
    between sheets. Audited per resident printed, like every print."""
    import forms
    from forms.pdf.forms_print import render_blanks

    if not items:
        raise InvalidInput(FieldError("ref", "居民", "请至少指定一位居民"))
    for form in {f for f, _ in items}:
        _known_form(form)
        roles.require_form(store, form)
        if form == "cover" or forms.get_form(form).layout == "card":
            raise InvalidInput(FieldError("form", "表单代码", f"{form} 由居民资料直接打印，没有空白表"))
    with store.session() as s:
        uuids = [refs.resident(s, ref).uuid for _, ref in items]
    forms_of = [f for f, _ in items]
    done: list[tuple[str, str]] = []

    def pack() -> Iterator[tuple[str, dict[str, Any]]]:
        residents = (r for r, _recs in _stream(store, uuids, records=False))
        for form, resident in zip(forms_of, residents, strict=True):
            if cancelled is not None and cancelled():
                return
            yield form, resident
            done.append((form, resident["uuid"]))
            if progress is not None:
                progress(len(done), len(items))

    pages = render_blanks(pack(), out)
    with store.session(write=True) as s:
        for form, u in done:
            audit.append(s, store.user.name, "print", "resident", u,
                         {"what": f"form:{form}", "blank": True, "pages": pages})  # fmt: skip
    return pages


def print_cards(store: Store, ref_list: list[str] | None, out: Any, *, village: str | None = None,
                page: str = "a4", mask_id: bool = True) -> int:  # fmt: skip
    from forms.pdf import render_cards

    _allowed(store, village=village, mask_id=mask_id)
    uuids = village_residents(store, village) if village else _residents(store, ref_list or [])
    pages = _refusing_unprintable(render_cards, (r for r, _ in _stream(store, uuids, records=False)),
                                  out, page=page, mask_id=mask_id)  # fmt: skip
    _audit(store, uuids, "card", pages, masked=mask_id)
    return pages


def print_covers(store: Store, ref_list: list[str] | None, out: Any, *,
                 village: str | None = None) -> int:  # fmt: skip
    from forms.pdf import render_covers

    _allowed(store, village=village)
    uuids = village_residents(store, village) if village else _residents(store, ref_list or [])
    pages = _refusing_unprintable(render_covers, (r for r, _ in _stream(store, uuids, records=False)), out)
    _audit(store, uuids, "cover", pages)
    return pages


def print_booklets(store: Store, ref_list: list[str] | None, out: Any, *, village: str | None = None,
                   mask_id: bool = False, progress: Callable[[int, int | None], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> int:  # fmt: skip
    from forms.pdf import render_booklets

    _allowed(store, village=village, mask_id=mask_id)
    uuids = village_residents(store, village) if village else _residents(store, ref_list or [])
    done: list[str] = []

    def items() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        for resident, recs in _stream(store, uuids):
            done.append(resident["uuid"])
            yield resident, recs

    def report(n: int, _total: int | None) -> None:
        if progress:
            progress(n, len(uuids))

    pages = _refusing_unprintable(render_booklets, items(), out, progress=report, cancelled=cancelled,
                                  mask_id=mask_id, typed_signatures=_typed_signatures(store))
    _audit(store, done, "booklet", pages, **({"village": village} if village else {}))
    return pages
