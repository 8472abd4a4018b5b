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
    ResidentTerm,
    SyncEntity,
    Version,
)
from app.services.residents import compute_tags, forms_of
from sync import bulk_households, local
from sync.protocol import state_item_hash

CHUNK = 500


def _in(s: Session, column: Any, values: list[Any], *where: Any) -> set[Any]:
    found: set[Any] = set()
    values = [v for v in values if v]
    for i in range(0, len(values), CHUNK):
        found.update(s.scalars(select(column).where(column.in_(values[i : i + CHUNK]), *where)))
    return found


def _core(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """One DBAPI executemany of plain tuples: the ORM's (and even Core's) per-row bookkeeping
    costs more than the insert itself on a 1,000-row page."""
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {model.__table__.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    s.connection().exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows])


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
    present = _in(s, Resident.uuid, list(owners))
    slow_owners = {i["uuid"] for i in slow if i["kind"] == "resident"}
    orphans = [
        i
        for i in fast_rec
        if i["data"].get("resident") not in page_residents | present | slow_owners
    ]
    if orphans:
        raise LookupError(f"{len(orphans)} records arrived before their residents")
    forms_by_owner: dict[str, set[str]] = defaultdict(set)
    for i in fast_rec:
        forms_by_owner[i["data"]["resident"]].add(i["data"].get("form", ""))
    _insert_residents(s, fast_res, forms_by_owner)
    for item in slow:
        local.apply_item(s, item)
    _insert_records(s, fast_rec)
    for owner in owners:
        r = s.get(Resident, owner)
        if r is not None:
            r.tags = compute_tags(json.loads(r.doc), forms_of(s, owner))
    fast = fast_res + fast_rec
    if fast:
        _core(s, SyncEntity, [{"uuid": i["uuid"], "kind": i["kind"], "rev": i["rev"], "area": i["area"],
                                        "stub": False, "h": state_item_hash(i["uuid"], i["rev"])} for i in fast])  # fmt: skip


def _insert_residents(
    s: Session, items: list[dict[str, Any]], forms_by_owner: dict[str, set[str]]
) -> None:
    if not items:
        return
    now = now_iso()
    households = {
        i["data"].get("household"): i["data"].get("village")
        for i in items
        if i["data"].get("household")
    }
    missing = set(households) - _in(s, Household.uuid, list(households))
    if missing:
        _core(s, Household, [{"uuid": h, "label": f"家庭 {h[:8]}", "village": households[h],
                                       "head_uuid": None, "created_at": now} for h in missing])  # fmt: skip
    rows, terms, versions, redirects = [], [], [], []
    for item in items:
        state = {k: v for k, v in item["data"].items() if k != "provisional"}
        doc = {k: v for k, v in state.items() if k not in local.RESIDENT_ONLY}
        doc_json = json.dumps(doc, ensure_ascii=False)
        u = item["uuid"]
        row = {
            "uuid": u, "record_no": state.get("record_no"), "provisional": False, "name": doc.get("name", ""),
            "sex": doc.get("sex", "0"), "birth_date": doc.get("birth_date", ""),
            "id_number": doc.get("id_number") or None, "phone": doc.get("phone"), "address": doc.get("address"),
            "village": state.get("village"), "household_uuid": state.get("household"),
            "status": state.get("status") or "active", "status_date": state.get("status_date"),
            "status_reason": state.get("status_reason"), "merged_into": state.get("merged_into"),
            "tags": compute_tags(doc, forms_by_owner.get(u, set())), "doc": doc_json,
            "edition": forms.CURRENT_EDITION, "rev": 1, "created_at": now, "updated_at": now,
            "created_by": local.SYNC_USER, "updated_by": local.SYNC_USER,
        }  # fmt: skip
        rows.append(row)
        terms += [{"kind": k, "term": t, "resident_uuid": u}
                  for k, t in search.terms_for(row["name"], row["id_number"], row["record_no"], row["phone"])]  # fmt: skip
        snap = _with(doc_json, {k: state.get(k) for k in local.RESIDENT_ONLY})
        # A first arrival's changes are its whole state, already in `data`: not stored twice.
        versions.append({"entity": "resident", "entity_uuid": u, "rev": 1, "action": "sync", "data": snap,
                         "changes": "{}", "at": now, "user": local.SYNC_USER})  # fmt: skip
        if row["merged_into"]:
            redirects.append({"old_uuid": u, "new_uuid": row["merged_into"], "at": now})
    _core(s, Resident, rows)
    _core(s, ResidentTerm, terms)
    _core(s, Version, versions)
    if redirects:
        _core(s, Redirect, redirects)


def _insert_records(s: Session, items: list[dict[str, Any]]) -> None:
    if not items:
        return
    now = now_iso()
    rows, versions = [], []
    for item in items:
        state = item["data"]
        doc = {k: v for k, v in state.items() if k not in local.RECORD_ONLY}
        doc_json = json.dumps(doc, ensure_ascii=False)
        rows.append({
            "uuid": item["uuid"], "resident_uuid": state["resident"], "form": state.get("form", ""),
            "edition": state.get("edition") or forms.CURRENT_EDITION, "visit_date": doc.get("visit_date"),
            "doc": doc_json, "status": "final", "rev": 1, "created_at": now,
            "updated_at": now, "created_by": local.SYNC_USER, "updated_by": local.SYNC_USER,
        })  # fmt: skip
        versions.append({"entity": "record", "entity_uuid": item["uuid"], "rev": 1, "action": "sync",
                         "data": _with(doc_json, {k: state.get(k) for k in local.RECORD_ONLY}),
                         "changes": "{}", "at": now,
                         "user": local.SYNC_USER})  # fmt: skip
    _core(s, Record, rows)
    _core(s, Version, versions)
