"""The clinic's health education log travels with sync (issue 16): pushed through the outbox,
filed by the county server under the clinic's own area (its own record of the device, never what
the change says), pulled by the township hospital above it and not by a neighbouring village,
corrections and voids both ways with history, and the server's own form check."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.db.models import Activity, Outbox
from app.services import activities
from forms.examples import example
from sync.server.validate import activity_errors


def lecture(**extra: Any) -> dict[str, Any]:
    return {**example("health_education"), **extra}


def server_activities(county: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    rows = county.query("SELECT uuid, area, data FROM entity WHERE kind = 'activity'")
    return {u: (area, json.loads(d) if isinstance(d, str) else d) for u, area, d in rows}


def local_activities(store: Any) -> dict[str, dict[str, Any]]:
    with store.session() as s:
        return {a.uuid: activities.as_dict(a) for a in s.scalars(select(Activity))}


def test_activities_go_up_under_the_clinics_area_and_reach_the_hospital_only(three: Any, county: Any) -> None:
    a, b, hospital, t = three
    one = activities.add(a.store, lecture())
    two = activities.add(a.store, lecture(activity_kind="3", participants=None, topic="春季传染病预防"))
    activities.void(a.store, two["uuid"], "与上一条重复")
    with a.store.session(write=True) as s:  # a change that claims another area is not believed
        row = s.scalar(select(Outbox).where(Outbox.entity_uuid == one["uuid"], Outbox.op == "create"))
        changes = json.loads(row.changes)
        changes["area"] = {"new": "110105999999"}
        row.changes = json.dumps(changes, ensure_ascii=False)
    assert a.sync()["pushed"] == 3  # two creates and the void
    on_server = server_activities(county)
    mine = {u: v for u, v in on_server.items() if u in (one["uuid"], two["uuid"])}
    assert {u: area for u, (area, _d) in mine.items()} == {one["uuid"]: t + "001", two["uuid"]: t + "001"}
    assert "area" not in mine[one["uuid"]][1]
    assert mine[two["uuid"]][1]["status"] == "voided"
    assert mine[two["uuid"]][1]["void_reason"] == "与上一条重复"
    assert mine[one["uuid"]][1]["topic"] == "高血压的自我管理"

    hospital.sync()
    got = local_activities(hospital.store)
    assert set(got) >= {one["uuid"], two["uuid"]}
    assert got[two["uuid"]]["status"] == "voided" and got[two["uuid"]]["void_reason"] == "与上一条重复"
    assert got[one["uuid"]]["doc"] == local_activities(a.store)[one["uuid"]]["doc"]
    b.sync()
    assert not set(local_activities(b.store)) & {one["uuid"], two["uuid"]}  # another village's log

    # the hospital corrects the clinic's entry; the clinic pulls it, with its history
    activities.update(hospital.store, one["uuid"], {"participants": 40})
    assert hospital.sync()["pushed"] == 1
    a.sync()
    assert local_activities(a.store)[one["uuid"]]["doc"]["participants"] == 40
    history = activities.history(a.store, one["uuid"])
    assert [v["user"] for v in history][-1] == "sync"
    assert history[-1]["changes"]["participants"] == {"old": 36, "new": 40}
    with a.store.session() as s:  # what was pulled queues nothing
        assert s.scalar(select(Outbox).where(Outbox.state != "sent")) is None
    # the year's list on the hospital counts the clinic's activity; the voided one is listed
    rows = activities.list_year(hospital.store, 2024)
    assert {r["uuid"] for r in rows} >= {one["uuid"], two["uuid"]}


def test_the_server_checks_an_activity_with_the_same_form() -> None:
    good = {**lecture(), "form": "health_education", "edition": "2017", "status": "final"}
    assert activity_errors(good) == []
    assert any("活动地点" in e for e in activity_errors({**good, "place": ""}))
    assert any("作废原因" in e for e in activity_errors({**good, "status": "voided"}))
    assert any("属于居民档案" in e for e in activity_errors({**good, "form": "htn_followup"}))
    assert any("状态" in e for e in activity_errors({**good, "status": "deleted"}))


def test_two_corrections_of_one_field_meet_as_a_conflict_settled_through_the_writer(three: Any, county: Any) -> None:
    from sync import resolve, status_rows

    a, _b, hospital, _t = three
    u = activities.add(a.store, lecture())["uuid"]
    a.sync()
    hospital.sync()
    activities.update(a.store, u, {"topic": "高血压防治"})
    activities.update(hospital.store, u, {"topic": "高血压的规范服药"})
    a.sync()
    out = hospital.sync()
    assert out["pushed"] == 1
    open_ = [c for c in resolve.listing(hospital.store) if c["entity_uuid"] == u]
    assert [(c["entity"], c["field"]) for c in open_] == [("activity", "topic")]
    assert "健康教育活动" in open_[0]["name"]
    rows = [r for r in status_rows.conflict_rows(hospital.store) if r.entity_uuid == u]
    assert rows[0].label == "健康教育活动记录表·活动主题"
    resolve.resolve(hospital.store, open_[0]["id"], take="mine")
    hospital.sync()
    a.sync()
    for inst in (a, hospital):
        assert local_activities(inst.store)[u]["doc"]["topic"] == "高血压的规范服药"
    last = activities.history(hospital.store, u)[-1]
    assert last["action"] in ("resolve", "sync")
