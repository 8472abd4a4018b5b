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
from sync.local import get_state as local_state
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
    for inst in (a, hospital):  # the drift check agrees: no repair was needed
        inst.sync()
        with inst.store.session() as s:
            assert local_state(s, "last_run")["repaired"] is False
    # the year's list on the hospital counts the clinic's activity; the voided one is listed
    rows = activities.list_year(hospital.store, 2024, others=True)
    assert {r["uuid"] for r in rows} >= {one["uuid"], two["uuid"]}
    assert {r["area"] for r in rows if r["uuid"] == one["uuid"]} == {t + "001"}
    # its own log (and its count) holds only what the hospital did itself
    assert not {r["uuid"] for r in activities.list_year(hospital.store, 2024)} & {one["uuid"], two["uuid"]}
    assert {r["uuid"] for r in activities.list_year(a.store, 2024)} >= {one["uuid"], two["uuid"]}


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


def test_county_stats_count_each_institutions_log_as_the_clinic_does(three: Any, county: Any) -> None:
    """2025 in one township, by hand. Clinic one: 12 kinds printed, 6 audio-visual, 6 bulletin
    changes, 6 lectures (and a voided lecture): 4/4. Clinic two: 2 lectures: 0/4. The township
    hospital (no residents of its own): 12 lectures and 9 consultations, against the township's
    figures (12 printed, 6 audio-visual, 6 bulletin, 12 lectures, 9 consultations): 2/5. The
    township: 6/13."""
    from synchelp import cli

    from app.services import indicators

    one, two, hospital, t = three

    def add(inst: Any, kind: str, n: int, **extra: Any) -> list[str]:
        out = []
        for i in range(n):
            day = f"2025-{1 + i % 12:02d}-{1 + i // 12:02d}"
            doc = lecture(activity_kind=kind, visit_date=day, filled_date=day, **extra)
            if kind not in ("4", "5"):
                doc.pop("participants")
            out.append(activities.add(inst.store, doc)["uuid"])
        return out

    add(one, "1", 3, material_kinds=4)
    add(one, "2", 1, material_kinds=6)
    add(one, "3", 6)
    add(one, "4", 6)
    activities.void(one.store, add(one, "4", 1)[0], "重复")
    add(two, "4", 2)
    add(hospital, "4", 12)
    add(hospital, "5", 9)
    for inst in (one, two, hospital):
        inst.sync()
    out = cli("county", "stats", "--db", county.db, "--year", "2025", "--json")
    assert out.returncode == 0, out.stderr
    [mine] = [x for x in json.loads(out.stdout)["townships"] if x["township"] == t]
    code = "health_education_activities"
    per = {v["village"]: {i["code"]: i for i in v["indicators"]}[code] for v in mine["villages"]}
    assert {a: (f["numerator"], f["denominator"]) for a, f in per.items()} == {
        t + "001": (4, 4), t + "002": (0, 4), t + "000": (2, 5)}
    for inst in (one, two, hospital):  # each institution's figure is its own `cunyi stats`
        own = {i["code"]: i for i in indicators.stats(inst.store, 2025)}[code]
        assert per[inst.area]["by_kind"] == own["by_kind"] and per[inst.area]["note"] == own["note"]
    town = {i["code"]: i for i in mine["indicators"]}[code]
    assert (town["numerator"], town["denominator"]) == (6, 13)
    lectures = next(k for k in town["by_kind"] if k["kind"] == "4")
    assert (lectures["count"], lectures["required"], lectures["institutions_met"]) == (20, 24, 2)


def test_another_clinics_activity_is_refused_and_nothing_changes(three: Any, county: Any) -> None:
    """Jurisdiction from the server's own state: clinic 002 cannot correct clinic 001's log."""
    import uuid as uuidlib

    from sync import status_rows

    a, b, _hospital, _t = three
    theirs = activities.add(a.store, lecture())["uuid"]
    a.sync()
    with b.store.session(write=True) as s:
        s.add(Outbox(mutation_id=str(uuidlib.uuid4()), entity="activity", entity_uuid=theirs, op="update",
                     changes=json.dumps({"topic": {"old": "高血压的自我管理", "new": "改掉"}}),
                     created_at="2026-11-26T08:00:00", user="admin", state="pending", attempts=0))  # fmt: skip
    out = b.sync()
    assert out["quarantined"] == 1
    with b.store.session() as s:
        [row] = s.scalars(select(Outbox).where(Outbox.state == "quarantined"))
    assert row.error_code == "forbidden" and "该活动记录不在本机构辖区" in (row.last_error or "")
    assert [(r.name, r.what) for r in status_rows.quarantine_rows(b.store)] == [("（未知活动）", "修改健康教育活动")]
    assert server_activities(county)[theirs][1]["topic"] == "高血压的自我管理"
