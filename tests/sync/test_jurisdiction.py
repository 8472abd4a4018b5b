"""Issue 17 point 1: jurisdiction is decided by the server alone. A clinic whose resident moved away
cannot keep writing it (whatever base_rev it sends) nor move it back; edits it queued before it
could know of the move still land; later ones wait as conflicts for the clinic that holds it."""

from __future__ import annotations

import uuid
from typing import Any

import requests

County = Any


def enroll(county: County, area: str) -> str:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area, "name": "t"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def push(county: County, token: str, change: dict[str, Any]) -> dict[str, Any]:
    r = requests.post(county.api("/sync/push"), json={"changes": [change]}, headers=h(token))
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def create(county: County, token: str, village: str) -> str:
    uid = str(uuid.uuid4())
    data = {"name": "王五", "sex": "1", "birth_date": "1950-01-01", "village": village,
            "phone": "13800000000"}  # fmt: skip
    res = push(county, token, {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": uid,
                               "op": "create", "changes": {k: {"old": None, "new": v} for k, v in data.items()}})  # fmt: skip
    assert res["result"] == "applied", res
    return uid


def edit(uid: str, field: str, old: Any, new: Any, **extra: Any) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": uid, "op": "update",
            "changes": {field: {"old": old, "new": new}}, **extra}  # fmt: skip


def pull_all(county: County, token: str) -> list[dict[str, Any]]:
    items, cursor = [], 0
    while True:
        page = requests.get(county.api(f"/sync/pull?cursor={cursor}"), headers=h(token)).json()
        items += page["items"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return items


def state(county: County, uid: str) -> tuple[Any, ...]:
    import json

    area, rev, data = county.query("SELECT area, rev, data FROM entity WHERE uuid = :u", u=uid)[0]
    return area, rev, json.loads(data) if isinstance(data, str) else data


def test_former_clinic_cannot_write_or_take_back_a_resident_it_moved(county: County) -> None:
    """The review's scenario: village 001 moves a resident to 002, then edits it without base_rev,
    with base_rev 0, and moves it back; 002 must still hold it, unchanged."""
    t = county.township()
    one, two = enroll(county, t + "001"), enroll(county, t + "002")
    uid = create(county, one, "001")
    assert push(county, one, edit(uid, "village", "001", "002"))["result"] == "applied"
    moved = state(county, uid)
    assert moved[0] == t + "002"

    no_base = push(county, one, edit(uid, "phone", "13800000000", "13900000001"))
    zero_base = push(county, one, edit(uid, "name", "王五", "王六", base_rev=0))
    back = push(county, one, edit(uid, "village", "002", "001"))
    assert no_base["result"] == zero_base["result"] == "conflict", (no_base, zero_base)
    assert "迁出" in no_base["reason"]
    assert back["result"] == "rejected" and back["code"] == "forbidden", back
    assert state(county, uid) == moved  # nothing the former clinic sent was applied

    assert requests.get(county.api(f"/residents/{uid}"), headers=h(two)).status_code == 200
    assert requests.get(county.api(f"/residents/{uid}"), headers=h(one)).status_code == 404
    # The held values wait for the clinic that holds the resident, named as coming from 001.
    held = requests.get(county.api("/conflicts"), headers=h(two)).json()
    assert {(c["field"], c["mine"], c["theirs"]) for c in held} == {
        ("phone", "13900000001", "13800000000"),
        ("name", "王六", "王五"),
    }
    assert requests.get(county.api("/conflicts"), headers=h(one)).json() == []
    # And the other way round: 002 never held a resident of 001, so it cannot write one.
    other = create(county, one, "001")
    r = push(county, two, edit(other, "phone", "13800000000", "1", base_rev=0))
    assert r["result"] == "rejected" and r["code"] == "forbidden"


def test_edits_queued_before_the_move_still_land(county: County) -> None:
    """The township hospital moves a resident of 001 to 002 while clinic 001 is offline with an
    edit queued: that edit is applied. Once 001 has pulled the move, its edits are held."""
    t = county.township()
    one, hospital = enroll(county, t + "001"), enroll(county, t + "000")
    two = enroll(county, t + "002")
    uid = create(county, one, "001")
    pull_all(county, one)  # 001 has the resident, before the move
    assert push(county, hospital, edit(uid, "village", "001", "002"))["result"] == "applied"

    queued = push(county, one, edit(uid, "phone", "13800000000", "13900000002"))
    assert queued["result"] == "applied", queued
    assert state(county, uid)[2]["phone"] == "13900000002"

    exits = [i for i in pull_all(county, one) if i["uuid"] == uid]
    assert [i["op"] for i in exits] == ["exit"]
    late = push(county, one, edit(uid, "phone", "13900000002", "13900000003"))
    assert late["result"] == "conflict"
    assert state(county, uid)[2]["phone"] == "13900000002"
    assert [c["mine"] for c in requests.get(county.api("/conflicts"), headers=h(two)).json()] == [
        "13900000003"
    ]
    # A record for the moved resident from 001 after it knew: refused.
    rec = {"mutation_id": str(uuid.uuid4()), "entity": "record", "entity_uuid": str(uuid.uuid4()),
           "op": "create", "changes": {"resident": {"old": None, "new": uid},
                                       "form": {"old": None, "new": "htn_followup"}}}  # fmt: skip
    r = push(county, one, rec)
    assert r["result"] == "rejected" and r["code"] == "forbidden", r


def test_a_device_that_never_pulls_cannot_keep_writing(county: County) -> None:
    """Its queue goes up in its first push after the move; a later push is not "before"."""
    t = county.township()
    one, hospital = enroll(county, t + "001"), enroll(county, t + "000")
    uid = create(county, one, "001")
    pull_all(county, one)
    assert push(county, hospital, edit(uid, "village", "001", "002"))["result"] == "applied"
    assert push(county, one, edit(uid, "phone", "13800000000", "13900000004"))["result"] == "applied"
    again = push(county, one, edit(uid, "phone", "13900000004", "13900000005"))
    assert again["result"] == "conflict", again
    assert state(county, uid)[2]["phone"] == "13900000004"
