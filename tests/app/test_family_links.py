"""Mother and child (issue 15): a newborn registered from its mother (no ID number, the name
母亲姓名+之男/之女, her household), the link both ways, its refusals naming 母亲, the rename found
by both names, and the 0-6岁 filter."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.db.models import Resident, Version
from app.errors import InvalidInput
from app.services import family, residents
from app.services.resident_batch import register


def _mother(store, **kw):
    data = {"name": "王秀兰", "sex": "2", "birth_date": "1995-03-01", "household": "王家", **kw}
    return residents.add(store, data)


def _count(store):
    with store.session() as s:
        return s.execute(select(func.count()).select_from(Resident)).scalar()


def test_newborn_from_the_mother_needs_no_id_and_joins_her_household(store):
    m = _mother(store)
    kid = residents.add(store, {"mother": m["record_no"], "sex": "1", "birth_date": "2024-05-02"})
    got = residents.get(store, kid["uuid"])
    assert got["name"] == "王秀兰之男" and got["id_number"] is None
    assert got["mother"] == m["uuid"] and got["household"] == residents.get(store, m["uuid"])["household"]
    assert got["family"]["mother"]["name"] == "王秀兰"
    mine = residents.get(store, m["uuid"])["family"]
    assert [c["uuid"] for c in mine["children"]] == [kid["uuid"]] and mine["mother"] is None
    girl = residents.add(store, {"mother": m["uuid"], "sex": "2", "birth_date": "2025-06-01",
                                 "household": "另一户"})  # fmt: skip
    g = residents.get(store, girl["uuid"])
    assert g["name"] == "王秀兰之女" and g["household_label"] == "另一户"  # a household typed wins
    assert [c["name"] for c in residents.get(store, m["uuid"])["family"]["children"]] == ["王秀兰之男", "王秀兰之女"]
    # The link is part of the synced state: version 1 and the outbox carry it.
    with store.session() as s:
        v = s.execute(select(Version).where(Version.entity_uuid == kid["uuid"])).scalar_one()
        assert '"mother":"' + m["uuid"] + '"' in v.data


@pytest.mark.parametrize("mother_kw, child, words", [
    ({"sex": "1", "name": "王建国"}, {"birth_date": "2024-05-02"}, "不是女性"),
    ({"birth_date": "2012-05-03"}, {"birth_date": "2024-05-02"}, "年长至少12岁"),
])  # fmt: skip
def test_a_mother_must_be_female_and_12_years_older(store, mother_kw, child, words):
    m = _mother(store, **mother_kw)
    before = _count(store)
    with pytest.raises(InvalidInput) as e:
        residents.add(store, {"name": "小宝", "sex": "1", "mother": m["uuid"], **child})
    assert e.value.errors[0].key == "mother" and e.value.errors[0].label == "母亲" and words in str(e.value)
    assert _count(store) == before


def test_twelve_years_exactly_is_accepted(store):
    m = _mother(store, birth_date="2012-05-02")
    residents.add(store, {"name": "小宝", "sex": "1", "mother": m["uuid"], "birth_date": "2024-05-02"})
    with pytest.raises(InvalidInput, match="年长至少12岁"):  # one day short
        residents.add(store, {"name": "小贝", "sex": "1", "mother": m["uuid"], "birth_date": "2024-05-01"})


def test_unknown_mother_is_refused_by_name_of_field(store):
    with pytest.raises(InvalidInput) as e:
        residents.add(store, {"name": "小宝", "sex": "1", "birth_date": "2024-05-02",
                              "mother": "11010500110199999"})  # fmt: skip
    assert e.value.errors[0].key == "mother" and "找不到居民" in str(e.value)


def test_a_batch_refuses_only_the_row_with_a_bad_mother(store):
    m = _mother(store)
    with store.session(write=True) as s:
        out = register(s, store, [{"mother": m["uuid"], "sex": "2", "birth_date": "2024-01-01"},
                                  {"name": "甲", "sex": "1", "birth_date": "2024-01-01", "mother": "nobody"},
                                  {"name": "乙", "sex": "1", "birth_date": "1990-01-01"}])  # fmt: skip
    assert isinstance(out[1], InvalidInput) and out[0].name == "王秀兰之女" and out[2].name == "乙"


def test_the_link_is_set_and_removed_by_update_with_history(store):
    m = _mother(store)
    kid = residents.add(store, {"name": "李小明", "sex": "1", "birth_date": "2023-02-02"})
    residents.update(store, kid["uuid"], {"mother": m["record_no"]})
    assert residents.get(store, kid["uuid"])["mother"] == m["uuid"]
    with pytest.raises(InvalidInput, match="不能是本人"):
        residents.update(store, m["uuid"], {"mother": m["uuid"]})
    residents.update(store, kid["uuid"], {"mother": ""})
    assert residents.get(store, kid["uuid"])["mother"] is None
    changes = [v.get("changes", {}) for v in residents.history(store, kid["uuid"])]
    assert any("mother" in c for c in changes)


def test_renamed_baby_is_found_by_both_names(store):
    m = _mother(store)
    kid = residents.add(store, {"mother": m["uuid"], "sex": "1", "birth_date": "2024-05-02"})
    residents.update(store, kid["uuid"], {"name": "李浩然"})
    for query in ("李浩然", "王秀兰之男", "之男", "lihaoran", "wxlzn"):
        assert kid["uuid"] in [r["uuid"] for r in residents.find(store, query)], query
    residents.update(store, kid["uuid"], {"name": "李浩宇"})  # a second rename keeps both old names
    got = residents.get(store, kid["uuid"])
    assert got["former_names"] == ["王秀兰之男", "李浩然"]
    assert [r["uuid"] for r in residents.find(store, "王秀兰之男")] == [kid["uuid"]]
    names = [v["data"]["name"] for v in residents.history(store, kid["uuid"])]
    assert names == ["王秀兰之男", "李浩然", "李浩宇"]  # every name kept in the history
    # The mother is not found under her baby's name and vice versa beyond the shared characters.
    assert m["uuid"] not in [r["uuid"] for r in residents.find(store, "李浩然")]


def test_child_filter_is_under_seven_on_the_day(store, monkeypatch):
    import app.services.residents as mod

    monkeypatch.setattr(mod, "today", lambda: dt.date(2025, 6, 1))
    six = residents.add(store, {"name": "六岁", "sex": "1", "birth_date": "2018-06-02"})  # 7 tomorrow
    residents.add(store, {"name": "七岁", "sex": "1", "birth_date": "2018-06-01"})  # 7 today
    baby = residents.add(store, {"name": "婴儿", "sex": "2", "birth_date": "2025-05-01"})
    residents.add(store, {"name": "大人", "sex": "2", "birth_date": "1990-05-01"})
    assert {r["uuid"] for r in residents.find(store, tag="0-6")} == {six["uuid"], baby["uuid"]}
    assert residents.count(store, tag="0-6") == 2
    assert [r["uuid"] for r in residents.find(store, "婴儿", tag="0-6")] == [baby["uuid"]]
    assert residents.find(store, "七岁", tag="0-6") == []


def test_child_cutoff_and_is_child_agree():
    on = dt.date(2025, 6, 1)
    assert family.child_cutoff(on) == "2018-06-01"
    assert family.is_child("2018-06-02", on) and not family.is_child("2018-06-01", on)
    assert family.is_child("2025-06-01", on) and not family.is_child("2025-06-02", on)


def test_cli_resident_add_with_mother(tmp_path):
    import json

    from tests.app.opshelp import cli, cli_json, make_store

    d = tmp_path / "d"
    st = make_store(d)
    m = _mother(st)
    st.close()
    out = cli_json(d, "resident", "add", "--json", "-",
                   stdin=json.dumps({"mother": m["record_no"], "sex": "2", "birth_date": "2025-01-02"}))  # fmt: skip
    shown = cli_json(d, "resident", "show", out["uuid"], "--json")
    assert (shown["name"], shown["mother"], shown["family"]["mother"]["uuid"]) == ("王秀兰之女", m["uuid"], m["uuid"])
    bad = cli(d, "resident", "add", "--json", "-",
              stdin=json.dumps({"name": "小宝", "sex": "1", "birth_date": "2025-01-02", "mother": out["uuid"]}))  # fmt: skip
    assert bad.returncode == 3 and "母亲" in bad.stderr and "年长至少12岁" in bad.stderr
    found = cli_json(d, "resident", "find", "", "--tag", "0-6", "--json")
    assert [r["uuid"] for r in found] == [out["uuid"]]


def test_links_follow_a_merge_of_the_mother(store):
    from app.services import lifecycle

    m = _mother(store)
    dup = residents.add(store, {"name": "王秀兰", "sex": "2", "birth_date": "1995-03-01"}, allow_similar=True)
    kid = residents.add(store, {"mother": dup["uuid"], "sex": "1", "birth_date": "2024-05-02"})
    lifecycle.merge(store, m["uuid"], dup["uuid"])
    assert residents.get(store, kid["uuid"])["family"]["mother"]["uuid"] == m["uuid"]
    assert [c["uuid"] for c in residents.get(store, m["uuid"])["family"]["children"]] == [kid["uuid"]]
