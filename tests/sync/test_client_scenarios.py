"""Record numbers, merged duplicates, residents moving village, drift repair, quarantine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from synchelp import add_residents, local_residents, server_residents

from app.db.models import Outbox, Resident, SyncEntity, Version
from app.errors import InvalidInput
from app.services import integrity, lifecycle, records, residents
from forms.examples import example
from sync import client, local


def person(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "sex": "1", "birth_date": "1961-02-03", **extra}


def numbers(store: Any) -> dict[str, tuple[str, bool]]:
    with store.session() as s:
        return {r.uuid: (r.record_no, r.provisional) for r in s.scalars(select(Resident))}


def test_provisional_and_colliding_numbers_are_replaced(
    county: Any, make_installation: Any
) -> None:
    t = county.township()
    # two laptops of one clinic number residents offline from the same village range
    a = make_installation(t + "001")
    b = make_installation(t + "001")
    ra = residents.add(a.store, person("周一"))
    rb = residents.add(b.store, person("吴二"))
    assert ra["record_no"] == rb["record_no"] == t + "00100001"
    hospital = make_installation(t + "000", county)
    rh = residents.add(hospital.store, person("郑三", village="001"))
    assert numbers(hospital.store)[rh["uuid"]][1] is True  # provisional until sync
    for inst in (a, b, hospital):
        inst.enroll(county)
        inst.sync()
    for inst in (a, b, hospital):
        inst.sync()
    server = server_residents(county, t)
    got = {u: d["record_no"] for u, d in server.items()}
    assert len(set(got.values())) == 3 and all(n.startswith(t + "001") for n in got.values())
    assert got[ra["uuid"]] == ra["record_no"]  # first come keeps its number
    assert got[rb["uuid"]] != rb["record_no"]
    assert int(got[rh["uuid"]][12:]) < 90000  # the provisional serial was replaced
    for inst in (a, b, hospital):
        assert {u: n for u, (n, _p) in numbers(inst.store).items()} == got
        assert not any(p for _n, p in numbers(inst.store).values())
    reprint = client.status(b.store)["reprint"]
    assert [(x["uuid"], x["old"], x["new"]) for x in reprint] == [
        (rb["uuid"], rb["record_no"], got[rb["uuid"]])
    ]
    # a new number after enrollment comes from a county block: never one handed out elsewhere
    rn = residents.add(b.store, person("王四"))
    assert rn["record_no"] not in got.values()
    for inst in (a, b, hospital):  # renumbered residents are found by their new number only
        with inst.store.session() as s:
            assert integrity.check_session(s) == []
    assert [r["uuid"] for r in residents.find(b.store, got[rb["uuid"]])] == [rb["uuid"]]
    assert rb["uuid"] not in {r["uuid"] for r in residents.find(b.store, rb["record_no"])}


def test_a_resident_giving_up_its_number_is_no_longer_found_by_it(county: Any, make_installation: Any
                                                                  ) -> None:  # fmt: skip
    """The server hands resident A a number that resident B of this device still holds (B not
    yet sent): B takes a placeholder until its own number comes, and a search for that number
    finds A only."""
    from sync.client import SyncClient

    inst = make_installation(county.township() + "001", county)
    a = residents.add(inst.store, person("周一"))
    b = residents.add(inst.store, person("吴二", birth_date="1962-02-03"))
    with inst.store.session(write=True) as s:
        SyncClient(inst.store)._renumber(s, a["uuid"], b["record_no"])
    assert [r["uuid"] for r in residents.find(inst.store, b["record_no"])] == [a["uuid"]]
    assert numbers(inst.store)[b["uuid"]][0].startswith("P")
    with inst.store.session() as s:
        assert integrity.check_session(s) == []


def test_merge_on_device_redirects_late_edits_on_server(three: Any) -> None:
    a, _b, hospital, t = three
    keep = residents.add(a.store, person("冯五", phone="13700000001"))
    dup = residents.add(a.store, person("冯五", id_number=None), allow_similar=True)
    visit = records.add(a.store, dup["uuid"], "htn_followup", example("htn_followup"), confirmed=True)
    a.sync()
    hospital.sync()
    residents.update(
        hospital.store, dup["uuid"], {"address": "冯家湾5号"}
    )  # offline, on the duplicate
    lifecycle.merge(a.store, keep["uuid"], dup["uuid"])
    a.sync()
    out = hospital.sync()
    assert out["quarantined"] == 0
    for inst in (a, hospital):
        inst.sync()
        survivor = residents.get(inst.store, keep["uuid"])
        assert survivor["address"] == "冯家湾5号"
        assert residents.get(inst.store, dup["uuid"])["uuid"] == keep["uuid"]  # redirect followed
        assert records.get(inst.store, visit["uuid"])["resident"] == keep["uuid"]
    lifecycle.unmerge(a.store, dup["uuid"])
    a.sync()
    hospital.sync()
    back = residents.get(hospital.store, dup["uuid"])
    assert back["uuid"] == dup["uuid"] and back["status"] == "active"
    assert records.get(hospital.store, visit["uuid"])["resident"] == dup["uuid"]


def test_moving_village_moves_jurisdiction_and_keeps_unsent_edits(three: Any, county: Any) -> None:
    a, b, hospital, t = three
    r = residents.add(a.store, person("陈六", phone="13600000001"))
    a.sync()
    hospital.sync()
    residents.update(a.store, r["uuid"], {"phone": "13600000002"})  # unsent when the move happens
    residents.update(hospital.store, r["uuid"], {"village": "002"})
    hospital.sync()
    out = a.sync()
    assert out["quarantined"] == 0
    b.sync()
    moved = residents.get(b.store, r["uuid"])
    assert (moved["village"], moved["phone"]) == ("002", "13600000002")
    assert moved["record_no"] == r["record_no"]  # the number is for life
    with a.store.session() as s:
        assert local.is_stub(s, r["uuid"])
    # the old clinic keeps what it recorded, read-only, but no longer receives changes
    assert residents.get(a.store, r["uuid"])["phone"] == "13600000002"
    residents.update(b.store, r["uuid"], {"address": "二村"})
    b.sync()
    a.sync()
    assert residents.get(a.store, r["uuid"]).get("address") is None
    assert server_residents(county, t + "002")[r["uuid"]]["address"] == "二村"
    # an edit on the old clinic after the move is refused at once (read-only), nothing is queued
    with pytest.raises(InvalidInput, match="只读"):
        residents.update(a.store, r["uuid"], {"phone": "13600000005"})
    out = a.sync()
    assert out["quarantined"] == 0
    assert server_residents(county, t + "002")[r["uuid"]]["phone"] == "13600000002"


def test_drift_is_detected_and_repaired(county: Any, make_installation: Any) -> None:
    t = county.township()
    a = make_installation(t + "001", county)
    uuids = add_residents(a.store, 30)
    a.sync()
    b = make_installation(t + "001", county)
    b.sync()
    with b.store.session(write=True) as s:  # damaged bookkeeping and a row changed behind sync
        s.execute(delete(SyncEntity).where(SyncEntity.uuid == uuids[3]))
        s.execute(update(SyncEntity).where(SyncEntity.uuid == uuids[4]).values(rev=99, h=12345))
        s.execute(update(Resident).where(Resident.uuid == uuids[4]).values(doc='{"name": "错"}'))
    assert local_residents(b.store) != server_residents(county, t)
    assert b.sync()["pulled"] >= 30
    assert client.status(b.store)["last_run"]["repaired"] is True
    assert local_residents(b.store) == server_residents(county, t)
    b.sync()
    assert client.status(b.store)["last_run"]["repaired"] is False


def test_bad_change_is_quarantined_and_never_blocks_the_rest(
    county: Any, make_installation: Any
) -> None:
    t = county.township()
    a = make_installation(t + "001", county)
    good = residents.add(a.store, person("褚七"))
    bad = residents.add(a.store, person("卫八"))
    with a.store.session(write=True) as s:  # a change the server must refuse (corrupted on disk)
        row = s.scalar(select(Outbox).where(Outbox.entity_uuid == bad["uuid"]))
        changes = json.loads(row.changes)
        changes["sex"]["new"] = "7"
        row.changes = json.dumps(changes)
    later = residents.add(a.store, person("蒋九"))
    out = a.sync()
    assert out["quarantined"] == 1 and out["pushed"] == 3
    server = server_residents(county, t)
    assert set(server) == {good["uuid"], later["uuid"]}
    with a.store.session() as s:
        row = s.scalar(select(Outbox).where(Outbox.state == "quarantined"))
        assert row.entity_uuid == bad["uuid"] and "sex" in row.last_error
    again = a.sync()  # an invalid change is not retried by itself
    assert again["pushed"] == 0 and again["quarantined"] == 1
    status = client.status(a.store)
    assert status["queue"] == 0 and status["quarantined"] == 1 and status["last_success"]


def test_pulled_changes_create_no_outbox_rows(three: Any) -> None:
    a, _b, hospital, _t = three
    add_residents(a.store, 5)
    a.sync()
    hospital.sync()
    with hospital.store.session() as s:
        assert s.scalar(select(Outbox.mutation_id)) is None
        assert {v.user for v in s.scalars(select(Version))} == {"sync"}
    some = residents.find(hospital.store, "")[0]
    (first,) = residents.history(hospital.store, some["uuid"])
    assert first["data"]["name"] == some["name"] and first["data"]["village"] == "001"
