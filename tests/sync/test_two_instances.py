"""Two stateless server instances on one database, as behind a county's load balancer (issue 17,
Scale): concurrent pushers spread over both, record-number blocks drawn from both, a puller on
each. Nothing is missed, nothing duplicated, no serial block overlaps, every resident has its own
record number, and a token rotated on one instance works on the other."""

from __future__ import annotations

import itertools
import threading
import uuid
from pathlib import Path
from typing import Any

import requests
from synchelp import County


def _enroll(server: County, county: County, area: str) -> str:
    r = requests.post(server.api("/enroll"), json={"code": county.enroll_code(area), "area": area})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _pull_all(server: County, token: str) -> tuple[set[str], dict[str, Any]]:
    seen: set[str] = set()
    cursor, http = 0, requests.Session()
    while True:
        page = http.get(server.api("/sync/pull"), params={"cursor": cursor, "limit": 200},
                        headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        seen.update(i["uuid"] for i in page["items"] if i["kind"] == "resident")
        cursor = page["cursor"]
        if not page["has_more"]:
            return seen, page["state"]


def test_two_instances_on_one_database(county: County, tmp_path: Path) -> None:
    second = County(county.db, tmp_path)
    second.start()
    try:
        servers = [county, second]
        t = county.township()
        pushers = [(servers[i % 2], _enroll(servers[i % 2], county, t + v))
                   for i, v in enumerate(["001", "002", "001", "002"])]  # fmt: skip
        pushed: set[str] = set()
        blocks: list[tuple[str, int, int]] = []
        errors: list[str] = []
        lock = threading.Lock()

        def work(k: int, token: str, village: str) -> None:
            http = requests.Session()
            h = {"Authorization": f"Bearer {token}"}
            for n in range(6):
                server = servers[(k + n) % 2]  # the balancer sends each request anywhere
                r = http.post(
                    server.api("/serials"), json={"village": village, "count": 7}, headers=h
                )
                if r.status_code != 200:
                    errors.append(r.text)
                    continue
                b = r.json()
                batch = []
                for _ in range(10):
                    data = {
                        "name": "双实例",
                        "sex": "1",
                        "birth_date": "1970-01-01",
                        "village": village,
                    }
                    batch.append({"mutation_id": str(uuid.uuid4()), "entity": "resident",
                                  "entity_uuid": str(uuid.uuid4()), "op": "create",
                                  "changes": {k2: {"new": v} for k2, v in data.items()}})  # fmt: skip
                r = http.post(server.api("/sync/push"), json={"changes": batch}, headers=h)
                if r.status_code != 200 or any(
                    x["result"] != "applied" for x in r.json()["results"]
                ):
                    errors.append(r.text[:300])
                with lock:
                    blocks.append((b["area"], b["first"], b["last"]))
                    pushed.update(c["entity_uuid"] for c in batch)

        threads = [threading.Thread(target=work, args=(k, tok, "001" if k % 2 == 0 else "002"))
                   for k, (_, tok) in enumerate(pushers)]  # fmt: skip
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors, errors[:2]
        assert len(pushed) == 4 * 6 * 10
        for area in {a for a, _, _ in blocks}:
            spans = sorted((f, la) for a, f, la in blocks if a == area)
            assert all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(spans)), spans
        numbers = county.query(
            "SELECT record_no FROM entity WHERE kind = 'resident' AND area LIKE :p", p=t + "%"
        )
        assert len({n for (n,) in numbers}) == len(numbers) == len(pushed)
        hospital = _enroll(county, county, t + "000")
        for server in servers:
            seen, state = _pull_all(server, hospital)
            assert seen == pushed and state["count"] == len(pushed)
        # a token rotated on one instance is known to the other at once (no state in a process)
        r = requests.post(second.api("/token"), headers={"Authorization": f"Bearer {hospital}"})
        fresh = r.json()["token"]
        assert requests.get(county.api("/me"), headers={"Authorization": f"Bearer {fresh}"}).ok
    finally:
        second.stop()
