"""The children's due items on a real encrypted database (issue 15): the newborn visit from the
discharge date on the mother's postpartum record, the slots done by records of the right form
and slot, and `cunyi due --programme child` with its Chinese reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import InvalidInput
from app.services import due, records, residents
from tests.app.opshelp import cli, cli_json, make_store

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def clinic(tmp_path):
    st = make_store(tmp_path / "d")
    yield st, tmp_path / "d"
    st.close()


def mother(st, **kw):
    return residents.add(st, {"name": "王秀兰", "sex": "2", "birth_date": "1995-03-01", **kw})["uuid"]


def items(st, **kw):
    return [i for i in due.list_due(st, programme="child", **kw)]


def test_newborn_visit_counts_from_the_mothers_discharge_date(clinic):
    st, _ = clinic
    m = mother(st)
    kid = residents.add(st, {"mother": m, "sex": "1", "birth_date": ago(9)})["uuid"]
    records.add(st, m, "postpartum_visit", {"visit_date": ago(1), "delivery_date": ago(9),
                                            "discharge_date": ago(5)}, confirmed=True)  # fmt: skip
    [item] = [i for i in items(st) if i["resident"]["uuid"] == kid]
    assert (item["form"], item["due_date"], item["overdue_days"]) == ("newborn_visit", ago(5), 0)
    assert f"出院日期{ago(5)}" in item["reason"]
    # a record of the visit ends it
    records.add(st, kid, "newborn_visit", {"visit_date": ago(0)}, confirmed=True)
    assert [i for i in items(st) if i["resident"]["uuid"] == kid] == []


def test_without_a_discharge_date_the_birth_counts_and_lateness_runs_from_the_deadline(clinic):
    st, _ = clinic
    kid = residents.add(st, {"name": "李小宝", "sex": "1", "birth_date": ago(10)})["uuid"]
    [item] = [i for i in items(st) if i["resident"]["uuid"] == kid]
    assert (item["due_date"], item["overdue_days"]) == (ago(10), 3) and "出院日期不详" in item["reason"]


def test_month_one_slot_done_by_its_record_then_the_next_is_in_the_future(clinic):
    st, _ = clinic
    kid = residents.add(st, {"name": "赵小妹", "sex": "2", "birth_date": ago(40)})["uuid"]
    [item] = [i for i in items(st) if i["resident"]["uuid"] == kid]
    assert item["item"] == "儿童健康检查（满月）" and item["overdue_days"] == 10
    assert item["form"] == "child_1_8m"
    # a draft does not count; a final record of another slot does not either
    records.add(st, kid, "child_1_8m", {"visit_date": ago(11), "slot": "1"}, status="draft")
    records.add(st, kid, "child_tcm", {"visit_date": ago(11), "slot": "6"}, confirmed=True)
    assert [i["item"] for i in items(st) if i["resident"]["uuid"] == kid] == ["儿童健康检查（满月）"]
    records.add(st, kid, "child_1_8m", {"visit_date": ago(11), "slot": "1"}, confirmed=True)
    assert [i for i in items(st) if i["resident"]["uuid"] == kid] == []
    ahead = {i["item"] for i in due.for_resident(st, kid)}
    assert {"儿童健康检查（3月龄）", "儿童中医药健康管理（12月龄）", "血红蛋白检测（6～8月龄）",
            "听力筛查（6月龄）"} <= ahead  # fmt: skip


def test_adults_and_seven_year_olds_get_no_child_items(clinic):
    st, _ = clinic
    mother(st)
    residents.add(st, {"name": "七岁", "sex": "1", "birth_date": (TODAY.replace(year=TODAY.year - 7)
                                                                 - dt.timedelta(days=1)).isoformat()})  # fmt: skip
    assert items(st) == []


def test_unknown_programme_names_the_known_ones(clinic):
    st, _ = clinic
    with pytest.raises(InvalidInput, match="child"):
        due.list_due(st, programme="kids")


def test_cli_due_programme_child(clinic):
    st, d = clinic
    kid = residents.add(st, {"name": "钱小宝", "sex": "1", "birth_date": ago(40)})
    residents.add(st, {"name": "高血压甲", "sex": "1", "birth_date": "1960-01-01", "past_diseases": [{"code": "2"}]})
    st.close()
    out = cli_json(d, "due", "--programme", "child", "--json")
    assert [(i["resident"]["record_no"], i["item"], i["overdue_days"]) for i in out] == [
        (kid["record_no"], "儿童健康检查（满月）", 10)]
    assert "满月应在" in out[0]["reason"]
    text = cli(d, "due", "--programme", "child").stdout
    assert "钱小宝" in text and "逾期10天" in text and "高血压甲" not in text
