"""The children's indicators (issue 15) on crafted villages whose answers are worked out by hand
below: 新生儿访视率 (with and without the entered live births), 儿童健康管理率 and
3岁以下儿童系统管理率; `cunyi births set` and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import InvalidInput
from app.services import births, indicators, records, residents
from forms.indicators import Facts, compute
from forms.rules import default
from tests.app.opshelp import cli, cli_json, make_store

TODAY = dt.date.today()
YEAR = TODAY.year
V = "201"  # the village of opshelp.AREA


def day(n: int) -> str:
    """The n-th day of this year (in the past for n <= 69)."""
    return (dt.date(YEAR, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


@pytest.fixture
def clinic(tmp_path):
    st = make_store(tmp_path / "d")
    yield st, tmp_path / "d"
    st.close()


def kid(st, name, birth, **kw):
    return residents.add(st, {"name": name, "sex": "1", "birth_date": birth, **kw}, allow_similar=True)["uuid"]


def rec(st, who, form, visit, slot=None):
    doc = {"visit_date": visit, **({"slot": slot} if slot else {})}
    records.add(st, who, form, doc, confirmed=True)


def names(items):
    return sorted(r["name"] for r in items)


@pytest.mark.skipif(dt.date(YEAR, 3, 11) > TODAY, reason="needs 70 past days of the year")
def test_newborn_visit_and_child_management_on_a_crafted_village(clinic):
    st, d = clinic
    mum = residents.add(st, {"name": "王秀兰", "sex": "2", "birth_date": "1995-03-01"})["uuid"]
    n1 = kid(st, "新一", day(10), mother=mum)
    rec(st, n1, "newborn_visit", day(15))  # day 5 of life: a visit as required
    n2 = kid(st, "新二", day(20))
    rec(st, n2, "newborn_visit", day(60))  # day 40: too late for the newborn visit, a record of the year
    kid(st, "新三", day(30))  # never visited
    k1 = kid(st, "三岁", f"{YEAR - 3}-02-01")
    rec(st, k1, "child_3_6y", day(40), "36")
    kid(st, "六岁", f"{YEAR - 6}-03-01")  # 6 on 31 December, no record
    k7 = kid(st, "七岁", f"{YEAR - 7}-03-01")  # 7 on 31 December: not a child of the year
    rec(st, k7, "child_3_6y", day(40), "72")
    t = kid(st, "中医", f"{YEAR - 1}-06-01")
    rec(st, t, "child_tcm", day(41), "6")  # the TCM form alone is not a health check
    old = kid(st, "旧访", f"{YEAR - 1}-12-20")
    rec(st, old, "newborn_visit", f"{YEAR - 1}-12-25")  # born last year: not this year's newborn

    got = {i["code"]: i for i in indicators.stats(st, YEAR, V, detail=True)}
    nb = got["newborn_visit"]
    # born this year: 新一 新二 新三; visited within 28 days of birth: 新一 only
    assert names(nb["numerator_residents"]) == ["新一"]
    assert (names(nb["denominator_residents"]), nb["denominator"], nb["rate"]) == (["新一", "新三", "新二"], 3, 33.3)
    assert "未录入年度活产数" in nb["note"]
    cm = got["child_mgmt"]
    # 0-6 on 31 December: 新一 新二 新三 三岁 六岁 中医 旧访 (7); with a check or visit this year:
    # 新一 新二 三岁 (旧访's visit was last year, 中医's is TCM only)
    assert names(cm["denominator_residents"]) == sorted(["新一", "新二", "新三", "三岁", "六岁", "中医", "旧访"])
    assert names(cm["numerator_residents"]) == sorted(["新一", "新二", "三岁"])
    assert cm["rate"] == round(100 * 3 / 7, 1)

    births.put(st, V, YEAR, 5)  # the live births entered: 1 of 5
    nb = {i["code"]: i for i in indicators.stats(st, YEAR, V)}["newborn_visit"]
    assert (nb["numerator"], nb["denominator"], nb["rate"]) == (1, 5, 20.0) and "录入的年度活产数" in nb["note"]
    st.close()
    out = {i["code"]: i for i in cli_json(d, "stats", "--year", str(YEAR), "--json")}
    assert (out["newborn_visit"]["numerator"], out["newborn_visit"]["denominator"]) == (1, 5)
    text = cli(d, "stats", "--year", str(YEAR)).stdout
    assert "新生儿访视率（newborn_visit）  1/5  20.0%" in text
    assert "儿童健康管理率（child_mgmt）  3/7" in text and "3岁以下儿童系统管理率（child_sys_mgmt）" in text


def test_the_slots_of_the_child_checks_are_read_up_to_the_years_end(clinic):
    st, _ = clinic
    k = kid(st, "二岁", f"{YEAR - 2}-01-05")
    rec(st, k, "child_12_30m", f"{YEAR - 1}-01-10", "12")
    rec(st, k, "child_12_30m", f"{YEAR - 1}-07-10", "18")
    rec(st, k, "child_tcm", f"{YEAR - 1}-07-10", "18")
    [f] = [f for f in indicators.facts_local(st, default(), YEAR, V) if f.uuid == k]
    assert f.slots == {("child_12_30m", "12"), ("child_12_30m", "18")}  # the check forms' slots
    assert f.birth == f"{YEAR - 2}-01-05"


def F(name, birth, *slots, year=2024):
    """A crafted child of `year`: its age on 31 December, its check records by (form, slot)."""
    return Facts(name, name, name, V, set(), year - int(birth[:4]), birth=birth, slots=set(slots))


def test_system_management_of_the_under_threes_by_hand():
    a8, a12 = "child_1_8m", "child_12_30m"
    village = [
        # born 2024-01-10: 满月 (to 02-09), 3 (to 05-09), 6 (to 08-08), 8 (to 10-09) end in 2024
        F("全", "2024-01-10", (a8, "1"), (a8, "3"), (a8, "6"), (a8, "8")),
        F("缺8", "2024-01-10", (a8, "1"), (a8, "3"), (a8, "6")),
        # born 2024-12-01: 满月 window 12-29..12-31 ends in the year and is not done
        F("月末", "2024-12-01"),
        # born 2024-12-10: its first window (2025-01-07..09) ends next year: not in the denominator
        F("太小", "2024-12-10"),
        # born 2022-01-05: 24 (to 2024-02-04) and 30 (to 2024-08-04) are this year's
        F("两岁", "2022-01-05", (a12, "24"), (a12, "30"), (a12, "12")),
        F("两岁缺", "2022-01-05", (a12, "24"), ("child_tcm", "30")),  # the TCM slot is not the check
        # born 2021-12-31: 36 months on 2024-12-31: no longer under three
        F("三岁", "2021-12-31"),
        # born 2022-01-01: 35 months on 2024-12-31; 36-month window ends 2025: only 24 and 30 owed
        F("差一天", "2022-01-01", (a12, "24"), (a12, "30")),
    ]
    [item] = [i for i in compute(default(), village, None, detail=True, year=2024) if i["code"] == "child_sys_mgmt"]
    assert names(item["denominator_residents"]) == sorted(["全", "缺8", "月末", "两岁", "两岁缺", "差一天"])
    assert names(item["numerator_residents"]) == sorted(["全", "两岁", "差一天"])
    assert (item["numerator"], item["denominator"], item["rate"]) == (3, 6, 50.0)


def test_the_8_month_slot_window_of_a_january_baby():
    from forms.schedule import slots_of

    s = {x.slot: x for x in slots_of(default().rule("child_check"), dt.date(2024, 1, 10))}
    assert (s["8"].start, s["8"].end) == (dt.date(2024, 9, 10), dt.date(2024, 10, 9))
    assert s["12"].end == dt.date(2025, 2, 8)


@pytest.mark.parametrize("village, year, count, field", [
    ("1", YEAR, 3, "village"), (V, 1980, 3, "year"), (V, YEAR, -1, "births"), (V, YEAR, True, "births"),
])  # fmt: skip
def test_bad_live_births_are_refused_naming_the_field(clinic, village, year, count, field):
    st, _ = clinic
    with pytest.raises(InvalidInput) as e:
        births.put(st, village, year, count)
    assert e.value.errors[0].key == field
    assert births.all_entries(st) == []


def test_cli_births_set_and_list(clinic):
    st, d = clinic
    st.close()
    r = cli(d, "births", "set", "--village", V, "--year", "2025", "12")
    assert r.returncode == 0 and "活产数 12" in r.stdout
    assert cli_json(d, "births", "list", "--json") == [{"village": V, "year": 2025, "births": 12}]
    bad = cli(d, "births", "set", "--village", V, "--year", "2025", "--", "-3")
    assert bad.returncode != 0 and "活产数" in bad.stderr
