"""Issue 17 point 3: record numbers only from blocks the server issued to the pushing device; a
quota per device for /serials; an exhausted village gets a clear 409 (never `internal`) and the
client stops retrying the resident concerned and shows it."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from app.services import residents

County = Any


def enroll(county: County, area: str) -> str:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area, "name": "t"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def resident(village: str, **extra: Any) -> dict[str, Any]:
    data = {"name": "王五", "sex": "1", "birth_date": "1950-01-01", "village": village, **extra}
    return {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": str(uuid.uuid4()),
            "op": "create", "changes": {k: {"old": None, "new": v} for k, v in data.items()}}  # fmt: skip


def push(county: County, token: str, *changes: dict[str, Any]) -> list[dict[str, Any]]:
    r = requests.post(county.api("/sync/push"), json={"changes": list(changes)}, headers=h(token))
    assert r.status_code == 200, r.text
    return r.json()["results"]


def serials(county: County, token: str, count: int) -> requests.Response:
    return requests.post(county.api("/serials"), json={"village": "001", "count": count}, headers=h(token))


def test_only_numbers_from_the_devices_own_blocks_are_kept(county: County) -> None:
    t = county.township()
    one, other = enroll(county, t + "001"), enroll(county, t + "001")
    top = f"{t}00199999"  # the review: one push of this used up the village
    (r,) = push(county, one, resident("001", record_no=top))
    assert r["result"] == "applied" and r["record_no"] != top  # replaced, and the device told
    theirs = serials(county, other, 10).json()
    mine = serials(county, one, 10).json()
    assert mine["first"] > theirs["last"]  # the counter was not moved to the end by the push
    in_mine, in_theirs = f"{t}001{mine['first']:05d}", f"{t}001{theirs['first']:05d}"
    kept, taken = push(county, one, resident("001", record_no=in_mine), resident("001", record_no=in_theirs))
    assert "record_no" not in kept and taken["record_no"] != in_theirs
    numbers = {n for (n,) in county.query("SELECT record_no FROM entity WHERE area = :a", a=t + "001")}
    assert in_mine in numbers and top not in numbers and in_theirs not in numbers


def test_serials_have_a_quota_per_device(county: County) -> None:
    t = county.township()
    one, two = enroll(county, t + "001"), enroll(county, t + "001")
    assert serials(county, one, 1000).status_code == 200
    again = serials(county, one, 1)
    assert again.status_code == 409 and again.json()["error"] == "quota"
    assert "未用的档案流水号" in again.json()["detail"]
    assert serials(county, two, 100).status_code == 200  # the village is not used up by one
    # Numbers used give quota back.
    block = serials(county, two, 900).json()
    push(county, two, *[resident("001", record_no=f"{t}001{block['first'] + k:05d}") for k in range(5)])
    assert serials(county, two, 5).status_code == 200
    assert serials(county, two, 1).status_code == 409


def test_an_exhausted_village_is_a_clear_409_never_internal(county: County, make_installation: Any) -> None:
    t = county.township()
    clinic = enroll(county, t + "001")
    with county.engine.begin() as c:
        from sqlalchemy import text

        c.execute(text("INSERT INTO serial_counter (area, next) VALUES (:a, 99999)"), {"a": t + "001"})
    last, over = push(county, clinic, resident("001"), resident("001"))
    assert last["result"] == "applied" and last["record_no"] == f"{t}00199999"
    assert over["result"] == "rejected" and over["code"] == "exhausted", over
    assert "已用完" in over["reason"]
    r = serials(county, clinic, 1)
    assert r.status_code == 409 and r.json()["error"] == "exhausted" and "已用完" in r.json()["detail"]

    # The township hospital registers a resident of that village: the sync goes on, the resident
    # waits in quarantine with the reason, and later syncs do not retry it.
    hospital = make_installation(t + "000", county)
    new = residents.add(hospital.store, {"name": "严十六", "sex": "1", "birth_date": "1960-01-01",
                                         "village": "001"})  # fmt: skip
    out = hospital.sync()
    assert out["quarantined"] == 1
    from sqlalchemy import select

    from app.db.models import Outbox

    def row() -> tuple[str, int, str]:
        with hospital.store.session() as s:
            o = s.scalar(select(Outbox).where(Outbox.entity_uuid == new["uuid"]))
            return o.state, o.attempts, f"[{o.error_code}] {o.last_error}"

    state, attempts, error = row()
    assert state == "quarantined" and error.startswith("[exhausted]") and "已用完" in error
    hospital.sync()
    assert row() == (state, attempts, error)
    from sync import status_rows

    [shown] = status_rows.quarantine_rows(hospital.store)
    assert shown.reason.startswith("本村档案编号已用完：") and "联系县卫健局" in shown.reason


def test_numbers_given_before_enrolment_are_kept(county: County, make_installation: Any) -> None:
    """A clinic that numbered its village's residents on its own before it enrolled keeps those
    numbers (its paper files and cards carry them), even when another device of the village
    draws a block between its enrolment and its first push: the county reserves them at
    enrolment while no one else holds them."""
    from synchelp import add_residents

    from sync import client

    t = county.township()
    clinic = make_installation(t + "001")
    add_residents(clinic.store, 130)  # more than the first block of 100 the county hands out
    before = {r["uuid"]: r["record_no"] for r in residents.find(clinic.store, "", limit=500)}
    assert sorted(before.values())[-1] == t + "00100130"
    clinic.enroll(county)
    other = enroll(county, t + "001")  # a second laptop of the village, drawing a block first
    r = serials(county, other, 100)
    assert r.status_code == 200, r.text
    assert r.json()["first"] > 130, r.json()
    clinic.sync()
    rows = county.query("SELECT uuid, record_no FROM entity WHERE kind = 'resident' AND area = :a",
                        a=t + "001")  # fmt: skip
    assert {u: n for u, n in rows} == before
    assert client.status(clinic.store)["reprint"] == []
    # the township hospital, enrolled later, cannot have those numbers reserved for it
    late = make_installation(t + "001")
    add_residents(late.store, 3, start=500)
    late.enroll(county)
    late.sync()
    got = [n for (n,) in county.query("SELECT record_no FROM entity WHERE area = :a AND kind = 'resident'",
                                       a=t + "001")]  # fmt: skip
    assert len(got) == len(set(got)) == 133


def test_enrolment_numbered_is_checked(county: County) -> None:
    t = county.township()
    for bad in (-1, 100000, True, "12", 1.5):
        r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(t + "001"),
                                                       "area": t + "001", "numbered": bad})  # fmt: skip
        assert r.status_code == 400 and "numbered" in r.json()["detail"], (bad, r.text)
