"""The county server takes a child's `mother` (issue 15): a uuid, kept in the resident's state
and sent back on pull; anything else refused, naming the field."""

from __future__ import annotations

from typing import Any

import requests

from tests.sync.test_server_api import auth, enroll, push, resident_change

County = Any


def test_mother_is_accepted_as_a_uuid_and_refused_otherwise(county: County) -> None:
    t = county.township()
    token = enroll(county, t + "001")["token"]
    mother = resident_change("001", name="王秀兰", sex="2", birth_date="1995-03-01")
    child = resident_change("001", name="王秀兰之男", birth_date="2024-05-02", mother=mother["entity_uuid"])
    bad = resident_change("001", name="李四", birth_date="2024-05-02", mother="13012310120100001")
    results = push(county, token, mother, child, bad)
    assert [r["result"] for r in results] == ["applied", "applied", "rejected"]
    assert "母亲（mother）" in results[2]["reason"]
    r = requests.get(county.api("/sync/pull"), params={"since": 0}, headers=auth(token))
    assert r.status_code == 200, r.text
    states = {i["uuid"]: i.get("data") or i.get("state") for i in r.json()["items"]}
    assert states[child["entity_uuid"]]["mother"] == mother["entity_uuid"]
