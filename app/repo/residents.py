"""The writer of resident rows: a whole new state (`apply`: a pull, a resolution) or a row the
caller changed in place (`commit`: an edit, a status, a merge), its search terms, tags, redirect,
and what its origin asks for beside it (bookkeep.write). Renumbering is `renumber`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from app import search
from app.clock import now_iso
from app.db.models import Household, Record, Redirect, Resident
from app.errors import InvalidInput
from app.repo import bookkeep
from app.repo.origin import Applied, Origin
from app.services.changes import diff
from app.services.resident_input import clean
from app.services.resident_prep import compute_tags
from forms import former_names as former
from forms.entity_keys import RESIDENT_STATE, split_resident


def snapshot(r: Resident) -> dict[str, Any]:
    """The flat state compared between versions and sent to the server field by field."""
    snap = dict(json.loads(r.doc))
    snap.update(village=r.village, household=r.household_uuid, status=r.status,
                status_date=r.status_date, status_reason=r.status_reason,
                merged_into=r.merged_into, record_no=r.record_no, mother=r.mother_uuid)  # fmt: skip
    return snap


assert set(RESIDENT_STATE) == {"village", "household", "status", "status_date", "status_reason",
                               "merged_into", "record_no", "mother"}  # snapshot() writes exactly these  # fmt: skip


def forms_of(s: Session, resident_uuid: str) -> set[str]:
    rows = s.execute(select(Record.form).where(Record.resident_uuid == resident_uuid).distinct())
    return {f for (f,) in rows}


_DELETE_TERM = "DELETE FROM resident_term WHERE kind = ? AND term = ? AND resident_uuid = ?"
_INSERT_TERM = "INSERT INTO resident_term (kind, term, resident_uuid, ord) VALUES (?, ?, ?, ?)"


def terms_of(r: Resident) -> set[tuple[str, str]]:
    """The search terms `r`'s fields call for (what `cunyi check` compares its list with): its
    former names' too, so a renamed resident (a baby first entered as 母亲姓名+之男) is found by both."""
    return search.terms_for(r.name, r.id_number, r.record_no, r.phone, former_names(r))


def former_names(r: Resident) -> list[str]:
    return list(json.loads(r.former_names)) if r.former_names else []


def _take_former_names(r: Resident, told: Any) -> bool:
    """The server's former names of `r` join its own (a device that got `r` only in its current
    state never saw them as names of it); True when its list changed."""
    if not told:
        return False
    names = former.joined(former_names(r), told, r.name)
    if names == former_names(r):
        return False
    r.former_names = json.dumps(names, ensure_ascii=False) if names else None
    return True


def _keep_former_name(r: Resident, before: dict[str, Any]) -> None:
    """A changed name stays a search term: the name it replaces joins resident.former_names."""
    old = before.get("name")
    if not old or old == r.name:
        return
    names = former.replaced(former_names(r), old, r.name)
    r.former_names = json.dumps(names, ensure_ascii=False) if names else None


def write_terms(s: Session, r: Resident) -> None:
    """Replace the search terms of `r` (stored or pending) with those of its current state: the
    old ones are the ones its row lists, each deleted by primary key."""
    s.flush()  # the row exists (term rows reference it) and its listed terms are stored
    conn = s.connection()
    old = search.unpack(r.terms)
    if old:
        conn.exec_driver_sql(_DELETE_TERM, [(k, t, r.uuid) for k, t in old])
    new = terms_of(r)
    place = search.order_key(r.status, r.record_no)
    conn.exec_driver_sql(_INSERT_TERM, [(k, t, r.uuid, place) for k, t in sorted(new)])
    r.terms = search.pack(new)


def placeholder_number(uuid: str) -> str:
    """What a resident holds after giving its number up, until its own comes from the server."""
    return f"P{uuid.replace('-', '')[:16]}"


def renumber(s: Session, r: Resident, number: str, *, provisional: bool = False,
             origin: Origin | None = None) -> str | None:  # fmt: skip
    """Give `r` the record number `number`. A resident of this device still holding it (not yet
    confirmed by the server) takes a placeholder. Both are found by their new numbers only.
    With `origin`, the change is a version of `r` of its own ("renumber": its history shows the
    number it gave up). Returns the number `r` had, None when nothing changed."""
    if r.record_no == number and r.provisional == provisional:
        return None
    before = snapshot(r) if origin is not None else None
    holder = s.scalar(select(Resident).where(Resident.record_no == number, Resident.uuid != r.uuid))
    if holder is not None:
        holder.record_no, holder.provisional = placeholder_number(holder.uuid), True
        write_terms(s, holder)
    old = r.record_no
    r.record_no, r.provisional = number, provisional
    write_terms(s, r)
    if origin is not None and before is not None:
        commit(s, r, before, origin, action="renumber")
    return old


def commit(s: Session, r: Resident, before: dict[str, Any], origin: Origin, *, action: str,
           op: str = "update", at: str | None = None,
           audit_detail: dict[str, Any] | None = None) -> Applied:  # fmt: skip
    """After `r` was changed in place (or filled in, when new): bump its revision, write its
    terms and what `origin` asks for. Nothing is written when no field changed."""
    after = snapshot(r)
    changes = diff(before, after)
    if not changes:
        return Applied("resident", r.uuid, r.rev or 0, action)
    base = r.rev or 0
    r.rev = base + 1
    r.updated_at, r.updated_by = at or now_iso(), origin.author
    _keep_former_name(r, before)
    write_terms(s, r)
    return bookkeep.write(s, origin, entity="resident", uuid=r.uuid, rev=r.rev, action=action,
                          snapshot=after, changes=changes, op=op, at=at,
                          audit_detail=audit_detail)  # fmt: skip


def _household(s: Session, value: Any, village: str) -> str | None:
    if not value:
        return None
    if s.get(Household, value) is None:
        from app.services.households import placeholder_label

        # Its household has not arrived (it comes later in the feed, or lies in a village this
        # device does not see): keep the link with a placeholder, overwritten when it arrives.
        s.add(Household(uuid=value, label=placeholder_label(value), village=village,
                        created_at=now_iso()))  # fmt: skip
        s.flush()
    return value


def apply(s: Session, uuid: str, state: dict[str, Any], origin: Origin, *, action: str,
          audit_detail: dict[str, Any] | None = None) -> Applied:
    """Make resident `uuid` hold `state` (document keys and the resident's own keys, as synced).
    A state from anyone but the server is checked like a typed-in one and normalised likewise."""
    r = s.get(Resident, uuid)
    # The server's former names come with its state (sync.local.apply_item puts them in) but are
    # no part of it (never versioned, compared or sent back); only the server's word counts.
    told = state.get("former_names") if origin.kind == "pull" else None
    state = {k: v for k, v in state.items() if k != "former_names"}
    before = snapshot(r) if r else {}
    if r is not None and bookkeep.same(before, state):
        if _take_former_names(r, told):
            write_terms(s, r)
        return Applied("resident", uuid, r.rev, action)
    doc, own = split_resident(state)
    if origin.validated:
        c = clean({**doc, "village": own.get("village")}, edition=r.edition if r else None)
        if c.errors:
            raise InvalidInput(c.errors)
        doc = c.doc
    now = now_iso()
    if r is None:  # added to the session once filled in (queries below autoflush)
        r = Resident(uuid=uuid, edition=forms.CURRENT_EDITION, rev=0, created_at=now,
                     created_by=origin.author, tags="")  # fmt: skip
    id_number = doc.get("id_number") or None
    if id_number:
        other = s.scalar(
            select(Resident.uuid).where(Resident.id_number == id_number, Resident.uuid != uuid)
        )
        if other is not None:
            id_number = None  # two records of one person: the document keeps the number
    record_no = own.get("record_no") or r.record_no
    with s.no_autoflush:
        r.name, r.sex, r.birth_date = doc.get("name", ""), doc.get("sex", "0"), doc.get("birth_date", "")
        r.id_number, r.phone, r.address = id_number, doc.get("phone"), doc.get("address")
        r.village = own.get("village") or r.village
        r.status = own.get("status") or "active"
        r.status_date, r.status_reason = own.get("status_date"), own.get("status_reason")
        r.merged_into = own.get("merged_into")
        r.mother_uuid = own.get("mother") or None
        r.doc = json.dumps(doc, ensure_ascii=False)
        r.updated_at, r.updated_by = now, origin.author
    r.household_uuid = _household(s, own.get("household"), r.village)
    if r.record_no is None:  # a first arrival: its number is stored with it, terms by commit
        holder = s.scalar(select(Resident).where(Resident.record_no == record_no))
        if holder is not None:
            renumber(s, holder, placeholder_number(holder.uuid), provisional=True)
        r.record_no, r.provisional = record_no, False
    s.add(r)
    s.flush()
    if r.record_no != record_no or r.provisional:
        renumber(s, r, record_no)  # the server's number, taken from whoever held it here
    r.tags = compute_tags(doc, forms_of(s, uuid))
    if r.merged_into:
        s.merge(Redirect(old_uuid=uuid, new_uuid=r.merged_into, at=now))
    elif s.get(Redirect, uuid) is not None:
        s.delete(s.get(Redirect, uuid))
    grew = _take_former_names(r, told)
    applied = commit(s, r, before, origin, action=action, at=now, audit_detail=audit_detail)
    if grew and not applied:
        write_terms(s, r)  # no field changed, only the names it is found by
    return applied
