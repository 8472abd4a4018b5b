"""Concurrent pushers while another device pulls: the puller misses no change (a cursor over
sequence numbers that commit out of order would skip some)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests


def enroll(county: Any, area: str) -> str:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area})
    return r.json()["token"]


def test_puller_misses_nothing_while_many_push(county: Any) -> None:
    t = county.township()
    pushers = [enroll(county, t + v) for v in ("001", "002", "001", "002", "000")]
    puller = enroll(county, t + "000")
    pushed: set[str] = set()
    lock = threading.Lock()
    errors: list[str] = []

    def push(token: str, village: str) -> None:
        http = requests.Session()
        for _ in range(15):
            batch = []
            for _ in range(12):
                u = str(uuid.uuid4())
                data = {"name": "并发", "sex": "1", "birth_date": "1970-01-01", "village": village}
                batch.append({"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": u,
                              "op": "create", "changes": {k: {"new": v} for k, v in data.items()}})  # fmt: skip
            r = http.post(county.api("/sync/push"), json={"changes": batch},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            results = r.json()["results"]
            if any(x["result"] != "applied" for x in results):
                errors.append(str(results))
            with lock:
                pushed.update(c["entity_uuid"] for c in batch)

    threads = [threading.Thread(target=push, args=(tok, "001" if i % 2 == 0 else "002"))
               for i, tok in enumerate(pushers)]  # fmt: skip
    for th in threads:
        th.start()
    seen: set[str] = set()
    cursor, http = 0, requests.Session()
    while True:
        done = not any(th.is_alive() for th in threads)
        while True:
            page = http.get(county.api("/sync/pull"), params={"cursor": cursor, "limit": 25},
                            headers={"Authorization": f"Bearer {puller}"}).json()  # fmt: skip
            assert page["cursor"] >= cursor
            cursor = page["cursor"]
            seen.update(i["uuid"] for i in page["items"])
            if not page["has_more"]:
                break
        if done:
            break
    assert not errors, errors[:1]
    assert len(pushed) == 5 * 15 * 12
    assert pushed - seen == set()
    assert page["state"]["count"] == len(pushed)
