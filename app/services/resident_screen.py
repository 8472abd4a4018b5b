"""Everything the resident screen shows, read in one transaction: the resident, their records,
history in words, household, what is due. Opening the screen is audited once ("view" of the
resident, with what was shown); refreshing it after a save reads again without a new entry,
since the person looking and the person looked at have not changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app import roles
from app.db.models import Household, Record
from app.services import audit, due, households, readable, records, refs, residents
from app.services.changes import versions_of

if TYPE_CHECKING:
    from app.store import Store


@dataclass(frozen=True)
class ResidentScreen:
    resident: dict[str, Any]  # residents.get; "redirected_from" when opened by a merged duplicate
    records: list[dict[str, Any]]  # newest visit first
    history: list[dict[str, str]]  # readable.history rows
    names: dict[str, str]  # login -> display name (who recorded what)
    household: list[dict[str, Any]]  # the members, the resident included
    household_info: dict[str, Any] | None  # households.describe
    due: list[dict[str, Any]]


def load(store: Store, ref: str, *, opened: bool) -> ResidentScreen:
    """The screen of the resident `ref` names. `opened`: the user opened it (one audit entry,
    in the same transaction as the reads); otherwise a refresh of a screen already open."""
    with store.session(write=opened) as s:
        r = refs.resident(s, ref)
        resident = residents.full(s, r)
        if r.uuid != ref and ref != r.record_no:
            original = refs.resident(s, ref, follow=False)
            if original.uuid != r.uuid:
                resident["redirected_from"] = original.uuid
        q = (select(Record).where(Record.resident_uuid == r.uuid)
             .order_by(Record.visit_date.desc(), Record.created_at.desc()))  # fmt: skip
        resident["tags"] = roles.shown_tags(store, resident["tags"])
        found = [records.as_dict(x) for x in s.execute(q).scalars()]
        # 严重精神障碍 / 肺结核: left out for the roles that may not see them; each one shown
        # audited as a view of the record when the screen is opened (issue 16)
        shown_records = records.shown(s, store, found) if opened else [
            x for x in found if roles.sees_sensitive(store) or x["form"] not in roles.SENSITIVE_FORMS]
        names = readable.names_in(s)
        history = readable.history_rows(s, versions_of(s, r.uuid), names)
        members: list[dict[str, Any]] = []
        info = None
        if r.household_uuid:
            members = residents.hide_tags(store, residents.members_in(s, r.household_uuid))
            h = s.get(Household, r.household_uuid)
            info = households.describe(s, h) if h is not None else None
        if opened:
            detail = {"what": "screen", "records": len(shown_records), "household": len(members)}
            audit.append(s, store.user.name, "view", "resident", r.uuid, detail)
        return ResidentScreen(resident=resident, records=shown_records, history=history,
                              names=names, household=members, household_info=info,
                              due=due.shown(store, due.of_resident(store, s, r.uuid)))  # fmt: skip
