"""The county server under attack (issue 17, point 6): plain HTTP, token theft and expiry, another
device's mutation ids, look-alike digits, invisible characters, out-of-range parameters,
enrolment probing, guessing, unknown keys, stalled uploads and clients that hang up."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from synchelp import COUNTY, County, cli, free_port

from sync import local


def enroll(county: County, area: str) -> dict[str, Any]:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area})
    assert r.status_code == 200, r.text
    return r.json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(village: str, mutation_id: str | None = None, **fields: Any) -> dict[str, Any]:
    data = {"name": "王五", "sex": "1", "birth_date": "1950-01-01", "village": village, **fields}
    return {"mutation_id": mutation_id or str(uuid.uuid4()), "entity": "resident",
            "entity_uuid": str(uuid.uuid4()), "op": "create",
            "changes": {k: {"old": None, "new": v} for k, v in data.items()}}  # fmt: skip


def push(county: County, token: str, *changes: dict[str, Any]) -> list[dict[str, Any]]:
    r = requests.post(
        county.api("/sync/push"), json={"changes": list(changes)}, headers=auth(token)
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]


@pytest.fixture
def strict(county: County, tmp_path: Path) -> Iterator[County]:
    """A second server on the same database with a small guessing allowance, a short upload
    time-out and info-level logging."""
    forget_failures(county)
    s = County(county.db, tmp_path)
    s.start(args=("--auth-failures", "3", "--upload-timeout", "1", "--log-level", "info"))
    yield s
    s.stop()


def forget_failures(county: County) -> None:
    """The failures earlier tests made from 127.0.0.1 (counted in the shared table)."""
    from sqlalchemy import text

    with county.engine.begin() as c:
        c.execute(text("DELETE FROM auth_failure"))


def test_plain_http_off_loopback_needs_insecure_http_and_warns(
    county: County, tmp_path: Path
) -> None:
    out = cli("county", "serve", "--db", county.db, "--host", "0.0.0.0", "--port", str(free_port()))
    assert out.returncode == 3 and "HTTPS" in out.stderr and "--insecure-http" in out.stderr
    lab = County(county.db, tmp_path)
    lab.start(args=("--host", "0.0.0.0", "--insecure-http"))
    try:
        assert requests.get(lab.api("/health")).status_code == 200
    finally:
        lab.stop()
    assert "INSECURE" in lab.log.read_text()


def test_tokens_rotate_expire_and_are_bound_to_their_device(county: County) -> None:
    t = county.township()
    a, b = enroll(county, t + "001"), enroll(county, t + "002")
    first = a["token"]
    assert first.startswith(a["device_id"] + ".")
    r = requests.post(county.api("/token"), headers=auth(first))
    assert r.status_code == 200
    second = r.json()["token"]
    assert second != first
    assert requests.get(county.api("/me"), headers=auth(first)).status_code == 200  # not yet used
    assert requests.get(county.api("/me"), headers=auth(second)).status_code == 200
    assert requests.get(county.api("/me"), headers=auth(first)).status_code == 401  # replaced
    # bound: the secret of one device under another device's id is nobody's token
    forged = b["device_id"] + "." + second.partition(".")[2]
    assert requests.get(county.api("/me"), headers=auth(forged)).status_code == 401
    from sqlalchemy import text

    with county.engine.begin() as c:
        c.execute(text("UPDATE device SET token_expires_at = '2000-01-01' WHERE id = :i"),
                  {"i": a["device_id"]})  # fmt: skip
    expired = requests.get(county.api("/me"), headers=auth(second))
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]


def test_each_sync_rotates_the_token_and_the_client_keeps_the_new_one(
    county: County, make_installation: Any
) -> None:
    inst = make_installation(county.township() + "001", county)
    with inst.store.session() as s:
        before = local.get_state(s, "token")
    inst.sync()
    with inst.store.session() as s:
        after = local.get_state(s, "token")
    assert after != before
    assert requests.get(county.api("/me"), headers=auth(after)).status_code == 200
    assert requests.get(county.api("/me"), headers=auth(before)).status_code == 401
    inst.sync()  # and the stored one works for the next run


def test_another_devices_mutation_id_is_not_a_replay(county: County) -> None:
    t = county.township()
    a, b = enroll(county, t + "001")["token"], enroll(county, t + "002")["token"]
    mid = str(uuid.uuid4())
    first = push(county, a, create("001", mid, name="甲某"))[0]
    mine = create("002", mid, name="乙某")
    second = push(county, b, mine)[0]
    assert first["result"] == second["result"] == "applied"
    assert second["entity_uuid"] == mine["entity_uuid"] != first["entity_uuid"]
    assert county.query("SELECT area FROM entity WHERE uuid = :u", u=mine["entity_uuid"]) == [
        (t + "002",)
    ]
    assert push(county, b, mine)[0]["result"] == "duplicate"  # its own replay still is one


@pytest.mark.parametrize("digits", ["００１", "٠٠١", "۰۰۱"], ids=["fullwidth", "arabic", "persian"])
def test_only_ascii_digits_in_village_codes_and_record_numbers(county: County, digits: str) -> None:
    t = county.township()
    token = enroll(county, t + "000")["token"]  # a township: any village of it is in scope
    before = county.query("SELECT count(*) FROM entity")[0][0]
    results = push(county, token, create(digits), create("001", record_no=t + "001" + "０００１２"))
    assert [r["result"] for r in results] == ["rejected", "rejected"], results
    assert "village" in results[0]["reason"] and "record_no" in results[1]["reason"]
    assert county.query("SELECT count(*) FROM entity")[0][0] == before
    r = requests.post(
        county.api("/serials"), json={"village": digits, "count": 5}, headers=auth(token)
    )
    assert r.status_code == 400 and "village" in r.json()["detail"]


@pytest.mark.parametrize("name", ["\u200b", "王\u202e五", "王\u200b五", "\u2066王五"])
def test_format_characters_are_refused_in_names(county: County, name: str) -> None:
    token = enroll(county, county.township() + "001")["token"]
    result = push(county, token, create("001", name=name))[0]
    assert result["result"] == "rejected" and "name" in result["reason"]


@pytest.mark.parametrize(
    "path",
    [
        f"/sync/pull?cursor={2**63}",
        f"/sync/pull?cursor={2**64}",
        f"/sync/snapshot?as_of={2**63}",
        "/sync/snapshot?after=resident:%00",
        "/residents/%00",
        "/residents/00000000-0000-0000-0000-00000000000%00",
        "/sync/pull?limit=%00",
    ],
)
def test_malformed_parameters_are_4xx(county: County, path: str) -> None:
    token = enroll(county, county.township() + "001")["token"]
    r = requests.get(county.api(path), headers=auth(token))
    assert 400 <= r.status_code < 500 and r.json()["detail"], (r.status_code, r.text[:200])
    r = requests.post(
        county.api("/conflicts/%00/resolve"), json={"take": "mine"}, headers=auth(token)
    )
    assert 400 <= r.status_code < 500
    assert requests.get(county.api(f"/sync/pull?cursor={2**63 - 1}"), headers=auth(token)).ok


def test_enrolment_errors_reveal_nothing_about_other_institutions(county: County) -> None:
    t = county.township()
    code = county.enroll_code(t + "002")
    wrong = requests.post(county.api("/enroll"), json={"code": code, "area": t + "001"})
    assert wrong.status_code == 403
    assert t + "002" not in wrong.text and "二村" not in wrong.text and "002" not in wrong.text
    # the server decides: no area, no enrolment (and the code is not spent)
    assert requests.post(county.api("/enroll"), json={"code": code}).status_code == 400
    ok = requests.post(county.api("/enroll"), json={"code": code, "area": t + "002"})
    assert ok.status_code == 200 and ok.json()["institution"]["area"] == t + "002"


def test_bad_codes_and_tokens_are_throttled_with_back_off(strict: County, county: County) -> None:
    t = county.township()
    good = enroll(county, t + "001")["token"]
    for _ in range(2):
        assert requests.get(strict.api("/me"), headers=auth("nobody.x")).status_code == 401
    bad_code = requests.post(
        strict.api("/enroll"), json={"code": "AAAA-BBBB-CCCC-DDDD", "area": t + "001"}
    )
    assert bad_code.status_code == 403  # the third failure, still answered
    locked = requests.get(strict.api("/me"), headers=auth("nobody.y"))
    assert locked.status_code == 401  # the fourth: still checked, and now the lock starts
    held = requests.get(strict.api("/me"), headers=auth(good))  # locked out: nothing is checked
    assert held.status_code == 429 and held.headers["Retry-After"] == "1"
    time.sleep(1.2)
    assert requests.get(strict.api("/me"), headers=auth("nobody.z")).status_code == 401
    again = requests.post(strict.api("/enroll"), json={"code": "AAAA", "area": t + "001"})
    assert again.status_code == 429 and again.headers["Retry-After"] == "2"  # doubled
    # an instance that has not seen a failure of the address yet still answers it
    assert requests.get(county.api("/me"), headers=auth(good)).status_code == 200


def test_the_guessing_allowance_is_shared_by_instances(strict: County, county: County,
                                                        tmp_path: Path) -> None:  # fmt: skip
    """Two instances on one database count the same failures: a guesser does not get a fresh
    allowance from each instance behind the load balancer."""
    t = county.township()
    good = enroll(county, t + "001")["token"]
    other = County(county.db, tmp_path / "other")
    (tmp_path / "other").mkdir()
    other.start(args=("--auth-failures", "3"))
    try:
        for server in (strict, strict, other):  # three failures, spread: the allowance
            assert requests.get(server.api("/me"), headers=auth("nobody.x")).status_code == 401
        assert requests.get(other.api("/me"), headers=auth("nobody.y")).status_code == 401
        held = requests.get(other.api("/me"), headers=auth(good))  # the 4th failure locked it
        assert held.status_code == 429, held.text
        # the first instance learns of the lock at the address's next failure there
        assert requests.get(strict.api("/me"), headers=auth("nobody.z")).status_code == 401
        again = requests.get(strict.api("/me"), headers=auth(good))
        assert again.status_code == 429 and again.headers["Retry-After"] == "2", again.headers
    finally:
        other.stop()


def test_unknown_keys_are_refused_and_area_is_never_stored(county: County) -> None:
    t = county.township()
    token = enroll(county, t + "001")["token"]
    results = push(county, token, create("001", area=t + "002"), create("001", favourite="蓝"))
    assert [r["result"] for r in results] == ["rejected", "rejected"]
    assert "area" in results[0]["reason"] and "favourite" in results[1]["reason"]
    for body in ({"changes": [], "extra": 1}, {"village": "001", "why": 1}):
        path = "/sync/push" if "changes" in body else "/serials"
        assert requests.post(county.api(path), json=body, headers=auth(token)).status_code == 400
    county_token = enroll(county, COUNTY + "000000")["token"]
    placed = create("002", area=t + "002")
    assert push(county, county_token, placed)[0]["result"] == "applied"
    rows = county.query("SELECT area, data FROM entity WHERE uuid = :u", u=placed["entity_uuid"])
    data = rows[0][1] if isinstance(rows[0][1], dict) else __import__("json").loads(rows[0][1])
    assert rows[0][0] == t + "002" and "area" not in data


def _upload(port: int, body: bytes, length: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x.y\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (length, body))  # fmt: skip
    return s


def test_a_stalled_upload_times_out(strict: County) -> None:
    with _upload(strict.port, b'{"changes": [', 5000) as s:
        reply = s.recv(4096)  # the server gives up on its own (within --upload-timeout 1)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:100]


def test_a_client_that_hangs_up_is_one_log_line(strict: County) -> None:
    _upload(strict.port, b'{"changes": [', 5000).close()
    for _ in range(100):
        if "client disconnected" in strict.log.read_text():
            break
        time.sleep(0.1)
    log = strict.log.read_text()
    assert log.count("client disconnected") == 1 and "Traceback" not in log, log[-1500:]
