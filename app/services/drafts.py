"""Unsaved form input kept in the encrypted database (never in plain files), per user."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from app.clock import now_iso
from app.db.models import Draft

if TYPE_CHECKING:
    from app.store import Store

T = TypeVar("T")


def save(store: Store, key: str, form: str, doc: dict[str, Any]) -> None:
    """Keep (or replace) the draft `key` of the logged-in user."""
    with store.session(write=True) as s:
        row = s.get(Draft, _key(store, key))
        text = json.dumps(doc, ensure_ascii=False)
        if row is None:
            s.add(Draft(key=_key(store, key), user=store.user.name, form=form, doc=text,
                        updated_at=now_iso()))  # fmt: skip
        else:
            row.doc, row.form, row.updated_at = text, form, now_iso()


def load(store: Store, key: str) -> dict[str, Any] | None:
    with store.session() as s:
        row = s.get(Draft, _key(store, key))
        return json.loads(row.doc) if row is not None else None


def discard(store: Store, key: str) -> None:
    with store.session(write=True) as s:
        row = s.get(Draft, _key(store, key))
        if row is not None:
            s.delete(row)


def save_then_discard(store: Store, key: str, save: Callable[[Store], T]) -> T:
    """Run `save` (a form's save: records.add, residents.update, ...) and discard the draft
    `key` in one transaction: after a crash or an error either the form is saved and its draft
    gone, or nothing is saved and the draft is still there to resume."""
    with store.unit():
        result = save(store)
        discard(store, key)
        return result


def list_mine(store: Store) -> list[dict[str, Any]]:
    """The logged-in user's drafts, newest first: key (as given to save), form, updated_at."""
    prefix = f"{store.user.name}/"
    with store.session() as s:
        rows = s.execute(
            select(Draft).where(Draft.user == store.user.name).order_by(Draft.updated_at.desc())
        ).scalars()
        return [{"key": r.key[len(prefix):], "form": r.form, "updated_at": r.updated_at}
                for r in rows]  # fmt: skip


def _key(store: Store, key: str) -> str:
    # Drafts are per user: a colleague logging in on the same laptop never sees (or overwrites)
    # what another typed.
    return f"{store.user.name}/{key}"[:128]
