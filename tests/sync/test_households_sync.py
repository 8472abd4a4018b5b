"""Households (户) travel with sync: label, village and head, renames both ways, placeholders
upgraded, jurisdiction, conflicts, snapshot order and drift repair."""

from __future__ import annotations

import json
import uuid as uuidlib
from typing import Any

import pytest
import requests
from sqlalchemy import delete, select, update
from synchelp import PASSWORD, USER, local_households, server_households

from app.db.models import Household, Outbox, SyncEntity, Version
from app.errors import InvalidInput
from app.services import households, residents
from app.services.changes import changes_of
from sync import client, local, resolve, status_rows


def person(name: str, household: str | None = None, **extra: Any) -> dict[str, Any]:
    d = {"name": name, "sex": "1", "birth_date": "1958-04-05", **extra}
    if household:
        d["household"] = household
    return d


def test_label_and_head_reach_the_hospital_and_a_rename_comes_back(three: Any, county: Any) -> None:
    a, b, hospital, t = three
    head = residents.add(a.store, person("张三", "张三户"))
    wife = residents.add(a.store, person("王芳", "张三户", sex="2"))
    h = households.update(a.store, head["uuid"], head=head["uuid"])
    assert a.sync()["pushed"] == 4  # household create, two residents, the head
    assert server_households(county, t) == {h["uuid"]: {"label": "张三户", "village": "001", "head": head["uuid"]}}
    out = hospital.sync()  # a first sync: the snapshot
    assert out["pulled"] == 3  # the household and its two residents
    got = households.get(hospital.store, wife["uuid"])
    assert (got["uuid"], got["label"], got["village"], got["head_name"]) == (h["uuid"], "张三户", "001", "张三")
    assert {m["name"] for m in got["members"]} == {"张三", "王芳"}
    assert residents.get(hospital.store, wife["uuid"])["household_label"] == "张三户"

    households.update(hospital.store, h["uuid"], label="张三家", head=wife["uuid"])
    assert hospital.sync()["pushed"] == 1  # one change, not one per member
    assert a.sync()["pulled"] == 1
    for inst in (a, hospital):
        got = households.get(inst.store, head["uuid"])
        assert (got["label"], got["head"]) == ("张三家", wife["uuid"])
        assert local_households(inst.store) == server_households(county, t)
    # the other village's clinic sees none of it
    b.sync()
    assert local_households(b.store) == {}
    with a.store.session() as s:  # pulled changes queue nothing
        assert s.scalar(select(Outbox).where(Outbox.state != "sent")) is None


def test_placeholders_from_before_are_upgraded_when_the_household_arrives(
    three: Any, county: Any
) -> None:
    """A clinic that registered households before they were synced: its residents went up with
    only the household's uuid, so the hospital holds a placeholder. Upgrading the clinic's
    database queues the household (migration 0006); after the next sync the placeholder carries
    the real label, still linked to the same members, and nothing is duplicated."""

    from app import paths
    from app.db import migrate
    from app.store import Store

    a, _b, hospital, t = three
    one = residents.add(a.store, person("李四", "三组5号"))
    two = residents.add(a.store, person("赵敏", "三组5号", sex="2"))
    hh = residents.get(a.store, one["uuid"])["household"]
    with a.store.session(write=True) as s:  # an older program queued no household
        s.execute(delete(Outbox).where(Outbox.entity == "household"))
    assert a.sync()["pushed"] == 2
    hospital.sync()
    assert local_households(hospital.store)[hh]["label"] == households.placeholder_label(hh)
    assert server_households(county, t) == {}

    # The upgrade: the database goes back to 0004 and is opened by this program (-> 0006).
    key = a.store.data_key
    a.store.close()
    migrate.downgrade_file(paths.db_path(a.data_dir), key, "0004")
    a.store = Store.open(a.data_dir, USER, PASSWORD)
    assert client.status(a.store)["queue"] == 1
    assert a.sync()["pushed"] == 1
    assert hospital.sync()["pulled"] == 1
    got = households.get(hospital.store, two["uuid"])
    assert (got["uuid"], got["label"]) == (hh, "三组5号")
    assert {m["uuid"] for m in got["members"]} == {one["uuid"], two["uuid"]}
    assert local_households(hospital.store) == local_households(a.store) == server_households(county, t)
    with hospital.store.session() as s:
        [v] = s.scalars(select(Version).where(Version.entity_uuid == hh))  # the placeholder had none
        assert json.loads(v.changes)["label"] == {"old": households.placeholder_label(hh), "new": "三组5号"}



def test_another_villages_household_is_refused_and_nothing_changes(three: Any, county: Any) -> None:
    a, b, _hospital, t = three
    mine = residents.add(a.store, person("孙七", "孙家"))
    a.sync()
    theirs = residents.get(a.store, mine["uuid"])["household"]
    with b.store.session(write=True) as s:
        # Clinic 002 tries to create a household in village 001 and to rename clinic 001's one.
        forged = households.create_in(s, USER, "越界户", "001").uuid
        s.add(Outbox(mutation_id=str(uuidlib.uuid4()), entity="household", entity_uuid=theirs, op="update",
                     changes=json.dumps({"label": {"old": "孙家", "new": "改名"}}),
                     created_at="2026-11-26T08:00:00", user=USER, state="pending", attempts=0))  # fmt: skip
    out = b.sync()
    assert out["quarantined"] == 2 and out["pushed"] == 2
    with b.store.session() as s:
        errors = {o.entity_uuid: (o.error_code, o.last_error)
                  for o in s.scalars(select(Outbox).where(Outbox.state == "quarantined"))}
    assert errors[forged][0] == "forbidden" and "不在本机构辖区" in errors[forged][1]
    assert errors[theirs][0] == "forbidden" and "该家庭不在本机构辖区" in errors[theirs][1]
    assert server_households(county, t) == {theirs: {"label": "孙家", "village": "001"}}
    shown = status_rows.quarantine_rows(b.store)
    assert [(r.name, r.what) for r in shown] == [("越界户", "新建家庭"), ("（未知家庭）", "修改家庭")]
    assert all(r.code == "forbidden" and r.reason.startswith("超出本机构辖区") for r in shown)
    a.sync()
    assert households.get(a.store, theirs)["label"] == "孙家"


def test_bad_households_are_refused_with_the_field_named(three: Any, county: Any) -> None:
    a, _b, _hospital, t = three
    with a.store.session() as s:
        token = local.get_state(s, "token")

    def push(*changes: dict[str, Any]) -> list[dict[str, Any]]:
        r = requests.post(county.api("/sync/push"), json={"changes": list(changes)},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def create(**state: Any) -> dict[str, Any]:
        return {"mutation_id": str(uuidlib.uuid4()), "entity": "household", "entity_uuid": str(uuidlib.uuid4()),
                "op": "create", "changes": {k: {"old": None, "new": v} for k, v in state.items()}}  # fmt: skip

    results = push(create(label="", village="001"), create(label="户", village="001", head="张三"),
                   create(label="户", village="1"), create(label="户", village="001", rooms=3),
                   create(label="户" * 101, village="001"))  # fmt: skip
    assert [r["result"] for r in results] == ["rejected"] * 5
    for r, field in zip(results, ("户名（label）", "户主（head）", "村（village）", "rooms", "户名（label）"), strict=True):
        assert field in r["reason"], r
    good = create(label="钱家", village="001")
    assert push(good)[0]["result"] == "applied"
    moved = {"mutation_id": str(uuidlib.uuid4()), "entity": "household", "entity_uuid": good["entity_uuid"],
             "op": "update", "base_rev": 1, "changes": {"village": {"old": "001", "new": "002"}}}  # fmt: skip
    [r] = push(moved)
    assert r["result"] == "rejected" and "村（village）" in r["reason"]
    assert server_households(county, t) == {good["entity_uuid"]: {"label": "钱家", "village": "001"}}


def test_two_renames_open_one_conflict_and_resolving_converges(three: Any, county: Any) -> None:
    a, _b, hospital, t = three
    r = residents.add(a.store, person("周九", "周家"))
    a.sync()
    hospital.sync()
    households.update(a.store, r["uuid"], label="周九户")
    households.update(hospital.store, r["uuid"], label="周家大院")
    hospital.sync()
    out = a.sync()
    assert out["conflicts"] == 1
    [c] = resolve.listing(a.store)
    assert (c["entity"], c["field"], c["mine"], c["theirs"]) == ("household", "label", "周九户", "周家大院")
    assert c["name"] == "周家大院（家庭）"  # the server's value stands until someone decides
    [row] = status_rows.conflict_rows(a.store)
    assert (row.label, row.mine_text, row.theirs_text, row.options) == ("户名", "周九户", "周家大院", [])
    resolve.resolve(a.store, c["id"], take="mine")
    a.sync()
    hospital.sync()
    for inst in (a, hospital):
        assert households.get(inst.store, r["uuid"])["label"] == "周九户"
        assert resolve.listing(inst.store) == []
    assert local_households(a.store) == local_households(hospital.store) == server_households(county, t)


def test_first_sync_brings_households_before_their_residents(
    three: Any, county: Any, monkeypatch: Any
) -> None:
    a, _b, hospital, t = three
    for k in range(5):
        residents.add(a.store, person(f"吴{'一二三四五'[k]}", f"吴家{k}"))
        residents.add(a.store, person(f"郑{'一二三四五'[k]}", f"吴家{k}", sex="2"))
    a.sync()
    monkeypatch.setattr(client, "SNAPSHOT_LIMIT", 3)  # pages end inside and between the kinds
    assert hospital.sync()["pulled"] == 15
    got = local_households(hospital.store)
    assert got == server_households(county, t) and len(got) == 5
    with hospital.store.session() as s:  # no placeholder was ever made: one version each
        versions = list(s.scalars(select(Version).where(Version.entity == "household")))
        # (a first version from nothing stores "{}": its changes are derived from its data)
        changes = [changes_of(v.rev, json.loads(v.data), v.changes) for v in versions]
        assert sorted(c["label"]["new"] for c in changes) == [f"吴家{k}" for k in range(5)]
        assert {c["label"]["old"] for c in changes} == {None}


def test_drift_repair_covers_households(three: Any, county: Any) -> None:
    a, _b, hospital, t = three
    r = residents.add(a.store, person("冯十", "冯家"))
    a.sync()
    hospital.sync()
    hh = residents.get(hospital.store, r["uuid"])["household"]
    with hospital.store.session(write=True) as s:  # lost bookkeeping and a label changed behind sync
        s.execute(delete(SyncEntity).where(SyncEntity.uuid == hh))
        s.execute(update(Household).where(Household.uuid == hh).values(label="错的户名"))
    hospital.sync()
    assert client.status(hospital.store)["last_run"]["repaired"] is True
    assert local_households(hospital.store) == server_households(county, t)
    hospital.sync()
    assert client.status(hospital.store)["last_run"]["repaired"] is False


def test_two_heads_chosen_offline_conflict_and_read_as_names(three: Any) -> None:
    a, _b, hospital, _t = three
    one = residents.add(a.store, person("韩一", "韩家"))
    two = residents.add(a.store, person("韩二", "韩家"))
    a.sync()
    hospital.sync()
    households.update(a.store, one["uuid"], head=one["uuid"])
    households.update(hospital.store, two["uuid"], head=two["uuid"])
    hospital.sync()
    assert a.sync()["conflicts"] == 1
    [row] = status_rows.conflict_rows(a.store)
    assert (row.label, row.mine_text, row.theirs_text) == ("户主", "韩一", "韩二")
    assert row.options is None  # one of the two residents, never typed text
    with pytest.raises(InvalidInput, match="户主"):
        resolve.resolve(a.store, row.id, value_text="韩三")
    resolve.resolve(a.store, row.id, take="theirs")
    a.sync()
    hospital.sync()
    assert households.get(a.store, one["uuid"])["head_name"] == households.get(hospital.store, one["uuid"])["head_name"] == "韩二"
