"""Households of a pulled page that this device has never seen (a first sync brings a township's
15,000 at once): inserted with one executemany each for the rows, their versions and their
drift-check bookkeeping. Households already here (a rename, a placeholder to upgrade, one with
unsent local edits) are left to the per-item path, local.apply_item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Household, SyncEntity
from app.repo import Origin, batch
from app.repo.batch import HouseholdRow, VersionRow
from app.services.changes import dumps, version_changes
from forms.entity_keys import HOUSEHOLD_STATE
from sync.protocol import state_item_hash

CHUNK = 500


def insert_new(s: Session, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the page's new households; returns the items left for the caller to apply."""
    new = [i for i in items if i["kind"] == "household" and i.get("op", "upsert") == "upsert"]
    if not new:
        return items
    uuids = [i["uuid"] for i in new]
    taken: set[str] = set()
    for k in range(0, len(uuids), CHUNK):
        part = uuids[k : k + CHUNK]
        taken.update(s.scalars(select(Household.uuid).where(Household.uuid.in_(part))))
    fast = {i["uuid"]: i for i in new if i["uuid"] not in taken}
    if not fast:
        return items
    now, pulled = now_iso(), Origin.pull()
    rows, versions, synced = [], [], []
    for u, item in fast.items():
        data = item["data"]
        state = {k: data.get(k) for k in HOUSEHOLD_STATE}
        rows.append(HouseholdRow(u, state["label"], state["village"], state["head"], now))
        versions.append(VersionRow("household", u, 1, "sync", dumps(state),
                                   version_changes(True, "{}"), now, pulled.author))  # fmt: skip
        synced.append({"uuid": u, "kind": "household", "rev": item["rev"], "area": item["area"],
                       "stub": False, "h": state_item_hash(u, item["rev"])})  # fmt: skip
    batch.insert(s, pulled, households=rows, versions=versions)
    s.execute(insert(SyncEntity), synced)
    return [i for i in items if not (i["kind"] == "household" and i["uuid"] in fast)]
