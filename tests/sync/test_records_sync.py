"""Visit records travel once, corrections merge per field and per list item, forms are checked."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import requests
from sqlalchemy import select

from app.db.models import Outbox
from app.services import records, residents
from forms.examples import example
from sync import resolve


def test_records_sync_and_corrections_merge_per_item(three: Any, county: Any) -> None:
    a, b, hospital, t = three
    r = residents.add(a.store, {"name": "秦十一", "sex": "2", "birth_date": "1951-03-08"})
    rec = records.add(a.store, r["uuid"], "htn_followup", example("htn_followup"), confirmed=True)
    a.sync()
    hospital.sync()
    b.sync()
    got = records.get(hospital.store, rec["uuid"])
    assert got["doc"]["sbp"] == 152 and got["resident"] == r["uuid"]
    assert "htn" in residents.get(hospital.store, r["uuid"])["tags"]
    assert records.list_for(a.store, r["uuid"])[0]["uuid"] == rec["uuid"]
    assert (
        county.query("SELECT count(*) FROM entity WHERE resident_uuid = :u", u=r["uuid"])[0][0] == 1
    )

    meds_a = copy.deepcopy(got["doc"]["medications"])
    meds_a[0]["dose"] = 20
    meds_h = copy.deepcopy(got["doc"]["medications"])
    meds_h[1]["times_per_day"] = 2
    records.update(a.store, rec["uuid"], {"medications": meds_a, "dbp": 90})
    records.update(hospital.store, rec["uuid"], {"medications": meds_h, "sbp": 148})
    a.sync()
    assert hospital.sync()["conflicts"] == 0
    a.sync()
    for inst in (a, hospital):
        doc = records.get(inst.store, rec["uuid"])["doc"]
        assert (doc["sbp"], doc["dbp"]) == (148, 90)
        assert [(m["dose"], m["times_per_day"]) for m in doc["medications"]] == [(20, 2), (12.5, 2)]

    # the same item's field changed two ways: one conflict naming the item
    m1 = copy.deepcopy(records.get(a.store, rec["uuid"])["doc"]["medications"])
    m2 = copy.deepcopy(m1)
    m1[0]["dose"], m2[0]["dose"] = 30, 40
    records.update(a.store, rec["uuid"], {"medications": m1})
    records.update(hospital.store, rec["uuid"], {"medications": m2})
    a.sync()
    hospital.sync()
    (c,) = resolve.listing(hospital.store)
    assert (c["field"], c["original"], c["mine"], c["theirs"]) == (
        "medications[m1].dose",
        20,
        40,
        30,
    )
    assert c["resident"] == r["uuid"]
    resolve.resolve(hospital.store, c["id"], take="mine")
    hospital.sync()
    a.sync()
    for inst in (a, hospital):
        assert records.get(inst.store, rec["uuid"])["doc"]["medications"][0]["dose"] == 40
        assert resolve.listing(inst.store) == []


def test_record_with_unknown_form_or_bad_values_is_rejected(three: Any, county: Any) -> None:
    a, _b, _h, t = three
    r = residents.add(a.store, {"name": "尤十二", "sex": "1", "birth_date": "1949-01-01"})
    a.sync()
    token = requests.post(
        county.api("/enroll"), json={"code": county.enroll_code(t + "001"), "area": t + "001"}
    ).json()["token"]
    doc = example("htn_followup")

    def change(form: str, body: dict[str, Any]) -> dict[str, Any]:
        data = {**body, "form": form, "edition": "2017", "resident": r["uuid"]}
        return {"mutation_id": str(uuid.uuid4()), "entity": "record", "entity_uuid": str(uuid.uuid4()),
                "op": "create", "changes": {k: {"new": v} for k, v in data.items()}}  # fmt: skip

    bad_sbp = {**doc, "sbp": 900}
    results = requests.post(county.api("/sync/push"), headers={"Authorization": f"Bearer {token}"},
                            json={"changes": [change("no_such_form", doc), change("htn_followup", bad_sbp),
                                              change("htn_followup", doc)]}).json()["results"]  # fmt: skip
    assert [x["result"] for x in results] == ["rejected", "rejected", "applied"]
    assert "no_such_form" in results[0]["reason"] and "sbp" in results[1]["reason"]
    # a visit record is created once: it cannot be turned into another form afterwards
    rid = results[2]["entity_uuid"]
    turn = {"mutation_id": str(uuid.uuid4()), "entity": "record", "entity_uuid": rid, "op": "update",
            "changes": {"form": {"old": "htn_followup", "new": "dm_followup"}}}  # fmt: skip
    (res,) = requests.post(county.api("/sync/push"), headers={"Authorization": f"Bearer {token}"},
                           json={"changes": [turn]}).json()["results"]  # fmt: skip
    assert res["result"] == "rejected" and "form" in res["reason"]
    with a.store.session() as s:
        assert s.scalar(select(Outbox).where(Outbox.state != "sent")) is None


def test_first_sync_with_records_pages_after_their_residents_tags_and_indexes_them(
    county: Any, make_installation: Any, monkeypatch: Any
) -> None:
    """A first sync sends every resident before any record; with small pages the records land
    in later transactions than their residents, and those residents must still get the tags
    the records imply (htn/dm lists) and be found by search."""
    from synchelp import chinese_name

    from sync import client

    t = county.township()
    clinic = make_installation(t + "001", county)
    made = {}
    for i in range(9):
        r = residents.add(clinic.store, {"name": chinese_name(300 + i), "sex": "1",
                                         "birth_date": "1950-02-03"}, allow_similar=True)  # fmt: skip
        if i % 3 == 0:
            records.add(
                clinic.store, r["uuid"], "htn_followup", example("htn_followup"), confirmed=True
            )
        if i % 3 == 1:
            records.add(
                clinic.store, r["uuid"], "dm_followup", example("dm_followup"), confirmed=True
            )
        made[r["uuid"]] = chinese_name(300 + i)
    clinic.sync()
    expected = {u: residents.get(clinic.store, u)["tags"] for u in made}
    assert sorted(map(tuple, expected.values())) == sorted(
        [("htn",)] * 3 + [("dm",)] * 3 + [()] * 3
    )

    monkeypatch.setattr(client, "SNAPSHOT_LIMIT", 4)
    hospital = make_installation(t + "000", county)
    hospital.sync()
    for u, name in made.items():
        assert residents.get(hospital.store, u)["tags"] == expected[u]
        assert u in [x["uuid"] for x in residents.find(hospital.store, name)]
    assert {x["uuid"] for x in residents.find(hospital.store, "", tag="htn")} >= {
        u for u, tags in expected.items() if "htn" in tags
    }
