"""Two village clinics and their township hospital: merge, conflict, resolution, jurisdiction."""

from __future__ import annotations

from typing import Any

from app.services import integrity, residents
from sync import resolve


def person(name: str, village: str | None = None, **extra: Any) -> dict[str, Any]:
    d = {"name": name, "sex": "1", "birth_date": "1956-03-04", "phone": "13800000001", **extra}
    if village:
        d["village"] = village
    return d


def test_edits_merge_conflict_resolves_and_scopes(three) -> None:  # type: ignore[no-untyped-def]
    a, b, hospital, township = three
    ra = residents.add(a.store, person("张三"))
    rb = residents.add(b.store, person("李四", phone="13900000002"))
    assert a.sync()["pushed"] == 1 and b.sync()["pushed"] == 1
    out = hospital.sync()
    assert out["pulled"] == 2
    # each clinic sees only its village; the hospital sees both
    assert {r["name"] for r in residents.find(a.store)} == {"张三"}
    assert {r["name"] for r in residents.find(b.store)} == {"李四"}
    assert {r["name"] for r in residents.find(hospital.store)} == {"张三", "李四"}

    # offline edits of different fields of the same resident merge
    residents.update(a.store, ra["uuid"], {"phone": "13800000009"})
    residents.update(hospital.store, ra["uuid"], {"address": "一村三组"})
    a.sync()
    hospital.sync()
    a.sync()
    for inst in (a, hospital):
        got = residents.get(inst.store, ra["uuid"])
        assert (got["phone"], got["address"]) == ("13800000009", "一村三组")

    # the same field edited two ways: one conflict, both values kept, provisional winner = server
    residents.update(a.store, ra["uuid"], {"phone": "13800000011"})
    residents.update(hospital.store, ra["uuid"], {"phone": "13800000022"})
    hospital.sync()
    out = a.sync()
    assert out["conflicts"] == 1
    (c,) = resolve.listing(a.store)
    assert (c["field"], c["original"], c["mine"], c["theirs"]) == (
        "phone",
        "13800000009",
        "13800000011",
        "13800000022",
    )
    assert c["resident"] == ra["uuid"]
    hospital.sync()
    (h,) = resolve.listing(hospital.store)
    # On the hospital its own value comes first, each named by where it came from.
    assert (h["id"], h["mine"], h["mine_label"], h["theirs"], h["theirs_label"]) == (
        c["id"], "13800000022", "本机", "13800000011", "一村卫生室"
    )

    resolve.resolve(hospital.store, c["id"], take="theirs")
    hospital.sync()
    a.sync()
    b.sync()
    for inst in (a, hospital):
        assert residents.get(inst.store, ra["uuid"])["phone"] == "13800000011"
        assert resolve.listing(inst.store) == []
    assert residents.find(b.store, "张三") == []
    assert rb["uuid"] not in {r["uuid"] for r in residents.find(a.store)}
    for inst in (a, b, hospital):  # pulled, merged and resolved residents: terms as listed
        with inst.store.session() as s:
            assert integrity.check_session(s) == []
