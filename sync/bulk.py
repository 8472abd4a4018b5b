"""Applying a whole page of pulled items at once: new residents and records that carry no local
edits (the first sync of a township, 50,000 residents) go in with bulk inserts; anything else
(an update, an entity with unsent edits, a number collision) takes the careful per-item path."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from app import search
from app.clock import now_iso
from app.db.models import (
    Household,
    Outbox,
    Record,
    Redirect,
    Resident,
    SyncEntity,
)
from app.repo import Origin, batch
from app.repo.batch import HouseholdRow, RecordRow, ResidentRow, VersionRow, plain
from app.repo.households import placeholder_label
from app.services.changes import version_changes
from app.services.resident_prep import compute_tags
from forms import former_names
from forms.entity_keys import NOT_DOCUMENT, RECORD_STATE, RESIDENT_STATE
from sync import bulk_households, local
from sync.protocol import state_item_hash

CHUNK = 500


def _in(s: Session, column: Any, values: list[Any], *where: Any) -> set[Any]:
    found: set[Any] = set()
    values = [v for v in values if v]
    for i in range(0, len(values), CHUNK):
        found.update(s.scalars(select(column).where(column.in_(values[i : i + CHUNK]), *where)))
    return found


def _core(s: Session, model: Any, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """One DBAPI executemany of plain tuples: the ORM's (and even Core's) per-row bookkeeping
    costs more than the insert itself on a 1,000-row page."""
    if not rows:
        return
    sql = f"INSERT INTO {model.__table__.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    s.connection().exec_driver_sql(sql, rows)


def _with(doc_json: str, extra: dict[str, Any]) -> str:
    """The flat snapshot JSON (document keys + `extra`) built from the document's JSON without
    encoding the document a second time."""
    tail = json.dumps(extra, ensure_ascii=False)
    return tail if doc_json == "{}" else doc_json[:-1] + ", " + tail[1:]


def apply_page(s: Session, items: list[dict[str, Any]]) -> None:
    items = bulk_households.insert_new(s, items)  # first: the page's residents then find them
    upserts = [
        i
        for i in items
        if i["kind"] in ("resident", "record") and i.get("op", "upsert") == "upsert"
    ]
    uuids = [i["uuid"] for i in upserts]
    known = _in(s, Resident.uuid, uuids) | _in(s, Record.uuid, uuids)
    dirty = _in(s, Outbox.entity_uuid, uuids, Outbox.state.in_(("pending", "quarantined")))
    res_items = [i for i in upserts if i["kind"] == "resident"]
    taken_ids = _in(s, Resident.id_number, [i["data"].get("id_number") for i in res_items])
    taken_nos = _in(s, Resident.record_no, [i["data"].get("record_no") for i in res_items])
    seen_ids: set[str] = set()
    fast_res: list[dict[str, Any]] = []
    fast_rec: list[dict[str, Any]] = []
    slow: list[dict[str, Any]] = []
    upsert_ids = {id(i) for i in upserts}
    for item in items:
        if id(item) not in upsert_ids or item["uuid"] in known or item["uuid"] in dirty:
            slow.append(item)
            continue
        data = item["data"]
        if item["kind"] == "resident":
            number = data.get("id_number")
            if number in taken_ids or number in seen_ids or data.get("record_no") in taken_nos:
                slow.append(item)
                continue
            if number:
                seen_ids.add(number)
            fast_res.append(item)
        else:
            fast_rec.append(item)
    page_residents = {i["uuid"] for i in fast_res}
    owners = {i["data"].get("resident") for i in fast_rec} - page_residents
    stored = _tags_of(s, owners)
    slow_owners = {i["uuid"] for i in slow if i["kind"] == "resident"}
    arrived = page_residents | slow_owners | stored.keys()
    orphans = [i for i in fast_rec if i["data"].get("resident") not in arrived]
    if orphans:
        raise LookupError(f"{len(orphans)} records arrived before their residents")
    forms_by_owner: dict[str, set[str]] = defaultdict(set)
    for i in fast_rec:
        forms_by_owner[i["data"]["resident"]].add(i["data"].get("form", ""))
    _insert_residents(s, fast_res, forms_by_owner)
    # The stored rows of the per-item path's entities in a few reads (its lookups by key then
    # find them in the session); `dirty` covers residents and records only.
    slow_uuids = [i["uuid"] for i in slow if i["kind"] in ("resident", "record")]
    for k in range(0, len(slow_uuids), CHUNK):
        part = slow_uuids[k : k + CHUNK]
        for model in (SyncEntity, Resident, Record):
            s.scalars(select(model).where(model.uuid.in_(part))).all()
    for item in slow:
        checked = item["kind"] in ("resident", "record") and id(item) in upsert_ids
        local.apply_item(s, item, has_unsent=None if not checked else item["uuid"] in dirty)
    _insert_records(s, fast_rec)
    _retag(s, owners, stored, slow_owners, forms_by_owner)
    fast = fast_res + fast_rec
    if fast:
        _core(s, SyncEntity, ("uuid", "kind", "rev", "area", "stub", "h"),
              [(i["uuid"], i["kind"], i["rev"], i["area"], False, state_item_hash(i["uuid"], i["rev"]))
               for i in fast])  # fmt: skip


def _tags_of(s: Session, uuids: set[str]) -> dict[str, str]:
    """Tags of the residents among `uuids` already stored (their presence is what the orphan
    check needs; the tags are what retagging needs: one read serves both)."""
    out: dict[str, str] = {}
    listed, conn = sorted(u for u in uuids if u), s.connection()
    for i in range(0, len(listed), CHUNK):
        part = tuple(listed[i : i + CHUNK])
        sql = f"SELECT uuid, tags FROM resident WHERE uuid IN ({', '.join('?' * len(part))})"
        out.update(conn.exec_driver_sql(sql, part).all())
    return out


def _retag(
    s: Session,
    owners: set[str],
    stored: dict[str, str],
    rewritten: set[str],
    forms_by_owner: dict[str, set[str]],
) -> None:
    """Tags of residents stored before this page that gained records on it (a first sync sends
    every record pages after its resident). New records only add forms, so a resident whose
    stored tags already hold what the page's forms imply is left alone; the others (and those
    the page itself rewrote) are computed again from their document and all their forms, read
    for the whole page at once instead of an ORM load and a form query per resident."""
    stale = []
    for o in owners:
        implied = set(compute_tags({}, forms_by_owner[o]).split())
        if o in rewritten or (implied and not implied <= set(stored.get(o, "").split())):
            stale.append(o)
    conn, changed = s.connection(), []
    for i in range(0, len(stale), CHUNK):
        part = tuple(stale[i : i + CHUNK])
        marks = ", ".join("?" * len(part))
        docs = conn.exec_driver_sql(
            f"SELECT uuid, doc, tags FROM resident WHERE uuid IN ({marks})", part
        ).all()
        present: dict[str, set[str]] = defaultdict(set)
        for owner, form in conn.exec_driver_sql(
            f"SELECT DISTINCT resident_uuid, form FROM record WHERE resident_uuid IN ({marks})",
            part,
        ):
            present[owner].add(form)
        for u, doc, tags in docs:
            new = compute_tags(json.loads(doc), present[u])
            if new != tags:
                changed.append((new, u))
    if changed:
        conn.exec_driver_sql("UPDATE resident SET tags = ? WHERE uuid = ?", changed)


def _insert_residents(
    s: Session, items: list[dict[str, Any]], forms_by_owner: dict[str, set[str]]
) -> None:
    if not items:
        return
    now, pulled = now_iso(), Origin.pull()
    user = pulled.author
    households = {
        i["data"].get("household"): i["data"].get("village")
        for i in items
        if i["data"].get("household")
    }
    missing = set(households) - _in(s, Household.uuid, list(households))
    rows, versions, redirects = [], [], []
    for item in items:
        state = item["data"]
        doc = {k: v for k, v in state.items() if k not in NOT_DOCUMENT}
        doc_json = json.dumps(doc, ensure_ascii=False)
        u = item["uuid"]
        name, id_number, record_no, phone = (doc.get("name", ""), doc.get("id_number") or None,
                                             state.get("record_no"), doc.get("phone"))  # fmt: skip
        merged_into = state.get("merged_into")
        # The server's former names of a renamed resident (beside its state): it is found by
        # them here too, though this device never had the versions that bore them.
        former = former_names.joined([], item.get("former_names"), name)
        rows.append(plain(ResidentRow(
            u, record_no, False, name, doc.get("sex", "0"), doc.get("birth_date", ""), id_number,
            phone, doc.get("address"), state.get("village"), state.get("household"),
            state.get("status") or "active", state.get("status_date"), state.get("status_reason"),
            merged_into, compute_tags(doc, forms_by_owner.get(u, set())), doc_json,
            forms.CURRENT_EDITION, 1, now, now, user, user,
            search.pack(search.terms_for(name, id_number, record_no, phone, former)),
            state.get("mother") or None, json.dumps(former, ensure_ascii=False) if former else None,
        )))  # fmt: skip
        snap = _with(doc_json, {k: state.get(k) for k in RESIDENT_STATE})
        # A first version's changes are its whole state, derived from its data when read
        # (changes.changes_of): not stored twice.
        versions.append(plain(VersionRow("resident", u, 1, "sync", snap, version_changes(True, snap), now, user)))
        if merged_into:
            redirects.append((u, merged_into, now))
    batch.insert(s, pulled, households=[HouseholdRow(h, placeholder_label(h), households[h], None, now)
                                        for h in missing],
                 residents=rows, versions=versions)  # fmt: skip
    _core(s, Redirect, ("old_uuid", "new_uuid", "at"), redirects)


def _insert_records(s: Session, items: list[dict[str, Any]]) -> None:
    if not items:
        return
    now, pulled = now_iso(), Origin.pull()
    user = pulled.author
    rows, versions = [], []
    for item in items:
        state = item["data"]
        doc = {k: v for k, v in state.items() if k not in RECORD_STATE}
        doc_json = json.dumps(doc, ensure_ascii=False)
        u = item["uuid"]
        rows.append(plain(RecordRow(u, state["resident"], state.get("form", ""),
                                    state.get("edition") or forms.CURRENT_EDITION, doc.get("visit_date"),
                                    doc_json, "final", 1, now, now, user, user)))  # fmt: skip
        snap = _with(doc_json, {k: state.get(k) for k in RECORD_STATE})
        versions.append(plain(VersionRow("record", u, 1, "sync", snap, version_changes(True, snap), now, user)))
    batch.insert(s, pulled, records=rows, versions=versions)
