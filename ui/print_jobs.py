"""What gets printed, assembled on the DB worker into in-memory PDFs (cards, forms, booklets)."""

from __future__ import annotations

import io
from typing import Any

from ui.tasks import TaskState


def printable_resident(store: Any, uuid: str) -> dict[str, Any]:
    """The resident as forms.pdf expects it (see forms/pdf/__init__.py)."""
    from app.services import residents

    r = residents.get(store, uuid)
    r["institution"] = store.institution.name
    r["doctor"] = store.user.display_name
    return r


def card_pdf(store: Any, uuid: str) -> bytes:
    from forms.pdf import render_cards

    out = io.BytesIO()
    render_cards([printable_resident(store, uuid)], out, page="a4")
    return out.getvalue()


def form_pdf(store: Any, uuid: str, form: str) -> bytes:
    from app.services import records
    from forms.pdf import render_form

    resident = printable_resident(store, uuid)
    recs = [] if form == "personal_info" else records.list_for(store, uuid, form)
    out = io.BytesIO()
    render_form(form, resident, list(reversed(recs)), out)
    return out.getvalue()


def village_booklets_pdf(store: Any, state: TaskState, village: str | None) -> bytes:
    """Whole record booklets of a village, with progress; cancel stops between residents."""
    from app.services import records, residents
    from forms.pdf import render_booklets

    ids = residents.ids(store, "", village=village, status="active")
    total = len(ids)

    def items():  # noqa: ANN202 - a generator of (resident, records)
        for uuid in ids:
            state.check()
            yield printable_resident(store, uuid), list(reversed(records.list_for(store, uuid)))

    def progress(done: int, _total: int | None) -> None:
        state.set_progress(100 * done / max(total, 1), f"已完成 {done} / {total} 份")

    out = io.BytesIO()
    render_booklets(items(), out, progress=progress, cancelled=state.is_cancelled)
    state.check()
    return out.getvalue()


def village_cards_pdf(store: Any, state: TaskState, village: str | None) -> bytes:
    from app.services import residents
    from forms.pdf import render_cards

    ids = residents.ids(store, "", village=village, status="active")
    people = []
    for i, uuid in enumerate(ids):
        state.check()
        people.append(printable_resident(store, uuid))
        state.set_progress(90 * (i + 1) / max(len(ids), 1), f"准备 {i + 1} / {len(ids)}")
    out = io.BytesIO()
    render_cards(people, out, page="a4")
    return out.getvalue()
