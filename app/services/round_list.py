"""The printed round list of the due items (forms/pdf/round_list.py), audited like every print:
it carries names, phone numbers and diagnoses of a whole village."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.services import audit, due
from forms.pdf import round_list

if TYPE_CHECKING:
    from app.store import Store


def print_round_list(store: Store, items: list[dict[str, Any]], out: Any) -> int:
    """`items`: due items (app/services/due.py); the 严重精神障碍 and 肺结核 ones are printed only
    for the roles that may see them (issue 16)."""
    items = due.shown(store, items)
    pages = round_list.render(out, items, institution=store.institution.name)
    uuids = dict.fromkeys(i["resident"]["uuid"] for i in items)
    with store.session(write=True) as s:
        for u in uuids:
            audit.append(s, store.user.name, "print", "resident", u, {"what": "round_list", "pages": pages})
    return pages
