"""Every endpoint refuses bad input with a 4xx and a reason; the server stays up; nothing changes."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid
from typing import Any

import pytest
import requests

from sync.server import admin

County = Any  # the fixture class from conftest.py


def enroll(county: County, area: str) -> dict[str, Any]:
    r = requests.post(
        county.api("/enroll"), json={"code": county.enroll_code(area), "name": "t", "area": area}
    )
    assert r.status_code == 200, r.text
    return r.json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def resident_change(village: str, **fields: Any) -> dict[str, Any]:
    data = {"name": "王五", "sex": "1", "birth_date": "1950-01-01", "village": village, **fields}
    return {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": str(uuid.uuid4()),
            "op": "create", "changes": {k: {"old": None, "new": v} for k, v in data.items()}}  # fmt: skip


def push(county: County, token: str, *changes: dict[str, Any]) -> list[dict[str, Any]]:
    r = requests.post(
        county.api("/sync/push"), json={"changes": list(changes)}, headers=auth(token)
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]


def entity_count(county: County) -> int:
    return county.query("SELECT count(*) FROM entity")[0][0]


@pytest.fixture
def clinic(county: County) -> tuple[str, str]:
    t = county.township()
    return enroll(county, t + "001")["token"], t


def test_health_and_openapi_need_no_token(county: County) -> None:
    assert requests.get(county.api("/health")).json()["status"] == "ok"
    spec = requests.get(county.api("/openapi.json")).json()
    assert "/api/v1/sync/push" in spec["paths"] and "/api/v1/sync/pull" in spec["paths"]


def test_enrollment_code_is_one_time_and_expires(county: County) -> None:
    t = county.township()
    code = county.enroll_code(t + "001")
    assert (
        requests.post(county.api("/enroll"), json={"code": code, "area": t + "001"}).status_code
        == 200
    )
    again = requests.post(county.api("/enroll"), json={"code": code, "area": t + "001"})
    assert again.status_code == 403 and "已被使用" in again.json()["detail"]
    with county.sessions() as s, s.begin():
        old, _ = admin.new_enroll_code(s, t + "002", dt.timedelta(seconds=-1))
    expired = requests.post(county.api("/enroll"), json={"code": old, "area": t + "002"})
    assert expired.status_code == 403 and "过期" in expired.json()["detail"]
    assert (
        requests.post(
            county.api("/enroll"), json={"code": "AAAA-BBBB", "area": t + "001"}
        ).status_code
        == 403
    )
    # a code meant for another clinic is refused before it is spent
    code2 = county.enroll_code(t + "002")
    wrong = requests.post(county.api("/enroll"), json={"code": code2, "area": t + "001"})
    assert wrong.status_code == 403 and "不符" in wrong.json()["detail"]
    assert (
        requests.post(county.api("/enroll"), json={"code": code2, "area": t + "002"}).status_code
        == 200
    )


def test_tokens_are_stored_hashed_and_revocable(county: County) -> None:
    t = county.township()
    reply = enroll(county, t + "001")
    rows = county.query("SELECT token_hash FROM device WHERE id = :i", i=reply["device_id"])
    assert rows[0][0] != reply["token"] and len(rows[0][0]) == 64
    assert requests.get(county.api("/me"), headers=auth(reply["token"])).status_code == 200
    with county.sessions() as s, s.begin():
        admin.revoke_device(s, reply["device_id"])
    before = entity_count(county)
    for method, path in [("GET", "/me"), ("GET", "/sync/pull"), ("POST", "/sync/push")]:
        r = requests.request(method, county.api(path), json={"changes": [resident_change("001")]},
                             headers=auth(reply["token"]))  # fmt: skip
        assert r.status_code == 401 and "吊销" in r.json()["detail"]
    assert requests.get(county.api("/sync/pull")).status_code == 401
    assert entity_count(county) == before


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {}, 400),
        (b'{"changes": "x"}', {}, 400),
        (b"[1, 2]", {}, 400),
        (json.dumps({"changes": [{}] * 201}).encode(), {}, 400),
        (b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"}, 400),
        (gzip.compress(b"0" * (40 * 1024 * 1024)), {"Content-Encoding": "gzip"}, 413),
        (b" " * (17 * 1024 * 1024), {}, 413),
        (b"{}", {"Content-Encoding": "br"}, 400),
    ],
    ids=[
        "malformed",
        "wrong-type",
        "not-object",
        "too-many",
        "bad-gzip",
        "gzip-bomb",
        "huge",
        "encoding",
    ],
)
def test_bad_push_bodies(
    county: County, clinic: tuple[str, str], body: bytes, headers: dict, status: int
) -> None:
    token, _ = clinic
    before = entity_count(county)
    r = requests.post(county.api("/sync/push"), data=body, headers={**auth(token), **headers})
    assert r.status_code == status and r.json()["detail"]
    assert entity_count(county) == before
    assert requests.get(county.api("/health")).status_code == 200


def test_bad_changes_are_rejected_one_by_one(county: County, clinic: tuple[str, str]) -> None:
    token, t = clinic
    good = resident_change("001")
    bad = [
        {"mutation_id": "m1", "entity": "resident", "op": "create"},  # missing fields
        {**resident_change("001"), "entity_uuid": "not-a-uuid"},
        resident_change("001", sex="7"),
        resident_change("001", birth_date="2999-01-01"),
        resident_change("001", id_number="110105195001010000"),
        resident_change("002"),  # forged jurisdiction: another village's resident
        {**resident_change("001"), "entity": "record",
         "changes": {"form": {"new": "no_such_form"}, "resident": {"new": good["entity_uuid"]}}},
        "not an object",
    ]  # fmt: skip
    results = push(county, token, bad[0], good, *bad[1:])
    assert results[1]["result"] == "applied"
    rejected = [results[0], *results[2:]]
    assert all(r["result"] == "rejected" and r["reason"] for r in rejected), rejected
    assert "entity" in results[0]["reason"]
    assert "sex" in results[3]["reason"] and "birth_date" in results[4]["reason"]
    assert "id_number" in results[5]["reason"]
    assert results[6]["code"] == "forbidden"
    assert "form" in results[7]["reason"]
    assert county.query("SELECT count(*) FROM entity WHERE area LIKE :t", t=t + "%")[0][0] == 1


def test_other_village_cannot_read_or_write(county: County) -> None:
    t = county.township()
    one = enroll(county, t + "001")["token"]
    two = enroll(county, t + "002")["token"]
    hospital = enroll(county, t + "000")["token"]
    ch = resident_change("001")
    assert push(county, one, ch)[0]["result"] == "applied"
    uid = ch["entity_uuid"]
    assert requests.get(county.api(f"/residents/{uid}"), headers=auth(two)).status_code == 404
    assert requests.get(county.api(f"/residents/{uid}"), headers=auth(hospital)).status_code == 200
    before = county.query("SELECT rev, data FROM entity WHERE uuid = :u", u=uid)
    forged = {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": uid, "op": "update",
              "changes": {"name": {"old": "王五", "new": "赵六"}}}  # fmt: skip
    (r,) = push(county, two, forged)
    assert r["result"] == "rejected" and r["code"] == "forbidden"
    assert county.query("SELECT rev, data FROM entity WHERE uuid = :u", u=uid) == before
    pulled = requests.get(county.api("/sync/pull"), headers=auth(two)).json()
    assert uid not in {i["uuid"] for i in pulled["items"]}
    snap = requests.get(county.api("/sync/snapshot"), headers=auth(two)).json()
    assert uid not in {i["uuid"] for i in snap["items"]}


@pytest.mark.parametrize(
    "query",
    ["cursor=abc", "cursor=-1", "limit=0", "limit=100000", "limit=x"],
)
def test_bad_pull_parameters(county: County, clinic: tuple[str, str], query: str) -> None:
    r = requests.get(county.api(f"/sync/pull?{query}"), headers=auth(clinic[0]))
    assert r.status_code == 400 and r.json()["detail"]


def test_bad_serials_and_conflict_requests(county: County, clinic: tuple[str, str]) -> None:
    token, _ = clinic
    h = auth(token)
    for body in (
        {"village": "1"},
        {"village": "001", "count": 0},
        {"village": "001", "count": "9"},
        [1],
    ):
        r = requests.post(county.api("/serials"), json=body, headers=h)
        assert r.status_code == 400 and r.json()["detail"], body
    r = requests.post(county.api("/serials"), json={"village": "002"}, headers=h)
    assert r.status_code == 403
    block = requests.post(
        county.api("/serials"), json={"village": "001", "count": 10}, headers=h
    ).json()
    block2 = requests.post(
        county.api("/serials"), json={"village": "001", "count": 10}, headers=h
    ).json()
    assert block2["first"] > block["last"]
    r = requests.post(
        county.api(f"/conflicts/{uuid.uuid4()}/resolve"), json={"take": "mine"}, headers=h
    )
    assert r.status_code == 404
    r = requests.post(
        county.api(f"/conflicts/{uuid.uuid4()}/resolve"), json={"take": "both"}, headers=h
    )
    assert r.status_code == 400
    assert requests.get(county.api("/conflicts?status=weird"), headers=h).status_code == 400
    assert requests.get(county.api("/nothing"), headers=h).status_code == 404
    assert requests.get(county.api("/residents/x"), headers=h).status_code == 400  # not a uuid


def test_replayed_push_changes_nothing(county: County, clinic: tuple[str, str]) -> None:
    token, _ = clinic
    ch = resident_change("001")
    first = push(county, token, ch)[0]
    rows = county.query("SELECT rev, seq FROM entity WHERE uuid = :u", u=ch["entity_uuid"])
    again = push(county, token, ch, ch)
    assert [r["result"] for r in again] == ["duplicate", "duplicate"]
    assert again[0]["entity_uuid"] == first["entity_uuid"]
    assert county.query("SELECT rev, seq FROM entity WHERE uuid = :u", u=ch["entity_uuid"]) == rows


def test_create_then_update_in_one_batch(county: County, clinic: tuple[str, str]) -> None:
    token, _ = clinic
    ch = resident_change("001", phone="13800000001")
    upd = {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": ch["entity_uuid"],
           "op": "update", "changes": {"phone": {"old": "13800000001", "new": "13800000002"}}}  # fmt: skip
    assert [r["result"] for r in push(county, token, ch, upd, ch)] == [
        "applied",
        "applied",
        "duplicate",
    ]
    rows = county.query("SELECT rev FROM entity WHERE uuid = :u", u=ch["entity_uuid"])
    assert rows[0][0] == 2


def test_numbers_in_one_batch_never_collide(county: County, clinic: tuple[str, str]) -> None:
    token, t = clinic
    block = requests.post(county.api("/serials"), json={"village": "001", "count": 10},
                          headers=auth(token)).json()  # fmt: skip
    same = f"{t}001{block['first'] + 6:05d}"  # kept only because the server issued it here
    a = resident_change("001", record_no=same)
    b = resident_change("001", record_no=same)
    c = resident_change("001", record_no=f"{t}00199999", provisional=True)
    d = resident_change("001")
    results = push(county, token, a, b, c, d)
    assert [r["result"] for r in results] == ["applied"] * 4
    assert "record_no" not in results[0]
    assert {r["record_no"] for r in results[1:]} and all(
        r["record_no"] != same for r in results[1:]
    )
    rows = county.query("SELECT record_no FROM entity WHERE area = :a", a=t + "001")
    numbers = [n for (n,) in rows]
    assert len(numbers) == len(set(numbers)) == 4 and same in numbers
    assert f"{t}00199999" not in numbers
