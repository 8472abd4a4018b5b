"""The push's batched path (issue 17): a batch of new residents and plain edits is written with a
handful of statements for the lot, not some nine per change, and gives the same results as the
change-by-change path: a bad edit is refused alone and writes nothing, the feed keeps one row per
entity and area, the history one version per applied change, and the device's own clean changes
are marked so it does not pull them back."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from sqlalchemy import bindparam, event, select, text

from sync.server.models import Device, Institution
from sync.server.push import push_changes
from sync.server.scope import Scope

County = Any


def enroll(county: County, area: str) -> str:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area})
    assert r.status_code == 200, r.text
    return r.json()["device_id"]


def new_resident(village: str, i: int) -> dict[str, Any]:
    data = {"name": "批量" + "甲乙丙丁戊己庚辛壬癸"[i % 10], "sex": "1", "birth_date": "1960-01-01",
            "village": village, "address": f"旧址{i}"}  # fmt: skip
    return {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": str(uuid.uuid4()),
            "op": "create", "changes": {k: {"old": None, "new": v} for k, v in data.items()}}  # fmt: skip


def edit(uid: str, rev: int, field: str, old: Any, new: Any) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": uid, "op": "update",
            "base_rev": rev, "changes": {field: {"old": old, "new": new}}}  # fmt: skip


def query(county: County, sql: str, uids: list[str]) -> list[Any]:
    with county.engine.connect() as c:
        return list(c.execute(text(sql).bindparams(bindparam("u", expanding=True)), {"u": uids}))


def push(county: County, device_id: str, changes: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """push_changes in this process on the server's database, as the API calls it; returns the
    results and the number of SQL statements the push sent."""
    sent = [0]

    def count(*_a: Any) -> None:
        sent[0] += 1

    event.listen(county.engine, "before_cursor_execute", count)
    try:
        with county.sessions() as s, s.begin():
            device = s.get(Device, device_id)
            inst = s.get(Institution, device.institution_id)
            results = push_changes(s, device, Scope(inst.level, inst.area), changes)
    finally:
        event.remove(county.engine, "before_cursor_execute", count)
    return results, sent[0]


def test_a_push_of_100_edits_is_written_as_one_batch(county: County) -> None:
    t = county.township()
    device = enroll(county, t + "001")
    created, n_create = push(county, device, [new_resident("001", i) for i in range(100)])
    assert [r["result"] for r in created] == ["applied"] * 100
    uids = [r["entity_uuid"] for r in created]
    edits = [edit(u, 1, "address", f"旧址{i}", f"新址{i}") for i, u in enumerate(uids)]
    edits[7] = edit(uids[7], 1, "birth_date", "1960-01-01", "1960-13-45")  # refused alone
    results, n_edit = push(county, device, edits)
    assert [r["result"] for r in results] == ["applied"] * 7 + ["rejected"] + ["applied"] * 92
    # One by one this was ~9 statements a change (900); batched it is a handful for the lot.
    assert n_create < 40 and n_edit < 40, (n_create, n_edit)
    rows = query(county, "SELECT uuid, rev, data FROM entity WHERE uuid IN :u", uids)
    got = {u: (rev, data if isinstance(data, dict) else json.loads(data)) for u, rev, data in rows}
    assert got[uids[7]][0] == 1 and got[uids[7]][1]["birth_date"] == "1960-01-01"  # untouched
    assert all(got[u][0] == 2 and got[u][1]["address"] == f"新址{i}" for i, u in enumerate(uids) if i != 7)
    feed = query(county, "SELECT uuid, device_id FROM feed WHERE uuid IN :u", uids)
    assert sorted(u for u, _ in feed) == sorted(uids)  # one row each: the old one replaced
    own = {u for u, d in feed if d == device}
    assert own == set(uids)  # its creates and its clean edits: not pulled back
    versions = query(county, "SELECT uuid, rev FROM entity_version WHERE uuid IN :u", uids)
    assert len(versions) == 199 and (uids[7], 2) not in versions
    replay, _ = push(county, device, edits[:3])  # the same mutation ids again: duplicates
    assert [r["result"] for r in replay] == ["duplicate"] * 3


def test_a_batch_edit_on_an_old_revision_is_merged_and_comes_back(county: County) -> None:
    t = county.township()
    one, two = enroll(county, t + "001"), enroll(county, t + "001")
    [created], _ = push(county, one, [new_resident("001", 1)])
    uid = created["entity_uuid"]
    [first], _ = push(county, two, [edit(uid, 1, "phone", None, "13800000001")])
    assert first["result"] == "applied"
    [second], _ = push(county, one, [edit(uid, 1, "address", "旧址1", "又一个地址")])
    assert second["result"] == "merged" and second["rev"] == 3
    [(device_id,)] = county.query("SELECT device_id FROM feed WHERE uuid = :u", u=uid)
    assert device_id is None  # merged with another device's edit: the pusher must pull it
    with county.sessions() as s:
        assert s.scalar(select(Device.id).where(Device.id == one)) == one


def test_edits_made_after_the_resident_left_are_held_back(make_installation: Any) -> None:
    """The client's check before a push (two queries for the batch): an edit queued after the
    device learnt its resident moved away is held back; one queued before it goes up."""
    from synchelp import add_residents

    from app.db.models import Outbox
    from app.services import records
    from forms.examples import example
    from sync import local

    inst = make_installation("110105101001")
    moved, stays = add_residents(inst.store, 2)
    def doc(day: str) -> dict[str, Any]:
        return {**example("htn_followup"), "visit_date": day}

    visit = records.add(inst.store, moved, "htn_followup", doc("2024-03-01"), confirmed=True)
    with inst.store.session(write=True) as s:
        rows = list(s.scalars(select(Outbox).order_by(Outbox.device_seq)))
        marker = rows[-1].device_seq  # the move became known after everything queued so far
        local.set_state(s, f"stub:{moved}", marker)
    records.add(inst.store, moved, "htn_followup", doc("2024-03-20"), confirmed=True)
    records.add(inst.store, stays, "htn_followup", doc("2024-03-20"), confirmed=True)
    with inst.store.session() as s:
        rows = list(s.scalars(select(Outbox).order_by(Outbox.device_seq)))
        held = local.held_back(s, rows)
    assert [r.entity_uuid for r in rows[:-2]] == [moved, stays, visit["uuid"]]
    assert len(held) == 1 and held[0].device_seq > marker and held[0].entity == "record"
    assert held[0] is rows[-2]  # the moved resident's new visit; the other resident's goes up
