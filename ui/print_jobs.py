"""What gets printed, assembled on the DB worker into in-memory PDFs (cards, forms, booklets)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ui.tasks import TaskState

if TYPE_CHECKING:
    from app.store import Store


def _masked(store: Store) -> bool:
    """Whoever may not print whole ID numbers (app/roles.py) gets them masked, not refused."""
    from app import roles

    return not roles.allowed(store.user.role, "print_full_id")


def card_pdf(store: Store, uuid: str) -> bytes:
    """One record card (A4 sheet with cut marks); app.services.printing audits the print."""
    from app.services import printing

    out = io.BytesIO()
    printing.print_cards(store, [uuid], out, page="a4")
    return out.getvalue()


def form_pdf(store: Store, uuid: str, form: str) -> bytes:
    """One form of one resident (follow-ups: all visits in columns, as on paper)."""
    from app.services import printing

    out = io.BytesIO()
    printing.print_form(store, form, [uuid], out, mask_id=_masked(store))
    return out.getvalue()


def blank_pdf(store: Store, uuid: str, form: str) -> bytes:
    """The form with only the resident's name and number, to fill in by hand on a home visit."""
    from app.services import printing

    out = io.BytesIO()
    printing.print_blanks(store, [(form, uuid)], out)
    return out.getvalue()


def booklet_pdf(store: Store, uuid: str) -> bytes:
    """The whole record of one resident: cover, basic information, exams, follow-ups."""
    from app.services import printing

    out = io.BytesIO()
    printing.print_booklets(store, [uuid], out, mask_id=_masked(store))
    return out.getvalue()


def village_booklets_pdf(store: Store, state: TaskState, village: str) -> bytes:
    """Whole record booklets of a village, with progress; cancel stops between residents."""
    from app.services import printing

    def progress(done: int, total: int | None) -> None:
        state.set_progress(100 * done / max(total or 1, 1), f"已完成 {done} / {total} 份")

    out = io.BytesIO()
    printing.print_booklets(store, None, out, village=village, progress=progress,
                            cancelled=state.is_cancelled)  # fmt: skip
    state.check()
    return out.getvalue()
