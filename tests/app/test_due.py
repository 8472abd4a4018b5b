"""The schedule rules (forms/rules/ed2017.json through forms/schedule.py and app/services/due.py)
on crafted residents of a real encrypted database, each with dates on both sides of its
boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import due, lifecycle, records, residents
from app.store import Store
from forms.idnumber import make

AREA = "420106001001"
TODAY = dt.date.today()


@pytest.fixture
def store(tmp_path):
    s, _ = Store.create(tmp_path / "d", area=AREA, institution_name="测试村卫生室", user="admin",
                        password="secret1-pw")  # fmt: skip
    yield s
    s.close()


SEQ = iter(range(11, 999, 2))


def add(store, name, birth, **extra):
    seq = next(SEQ)
    data = {"name": name, "sex": "1" if seq % 2 else "2", "birth_date": birth,
            "id_number": make("420106", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    data.update(extra)
    return residents.add(store, data, allow_similar=True)["uuid"]


def htn(store, name="高血压甲", birth="1970-03-01"):
    return add(store, name, birth, past_diseases=[{"code": "2"}])


def visit(store, who, days_ago, cls="1", form="htn_followup", **extra):
    doc = {"visit_date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "sbp": 130, "dbp": 80,
           "classification": cls}  # fmt: skip
    if form == "dm_followup":
        doc["fasting_glucose"] = 6.1
    doc.update(extra)
    records.add(store, who, form, doc, confirmed=True)


def item(store, who, rule):
    got = [i for i in due.for_resident(store, who) if i["rule"] == rule]
    assert len(got) == 1, got
    return got[0]


def listed_until(store, who, rule, day: dt.date) -> bool:
    return any(i["resident"]["uuid"] == who and i["rule"] == rule
               for i in due.list_due(store, until=day.isoformat()))  # fmt: skip


def boundary(store, who, rule, expected: dt.date) -> None:
    """Listed up to the expected date, not up to the day before."""
    assert item(store, who, rule)["due_date"] == expected.isoformat()
    assert not listed_until(store, who, rule, expected - dt.timedelta(days=1))
    assert listed_until(store, who, rule, expected)


def test_never_followed_up_is_due_from_registration(store):
    p = htn(store)
    plain = add(store, "健康乙", "1990-05-05")
    i = item(store, p, "htn_followup")
    assert i["due_date"] == TODAY.isoformat() and i["overdue_days"] == 0
    assert "尚无随访记录" in i["reason"]
    assert due.for_resident(store, plain) == []


def test_controlled_next_visit_after_three_months(store):
    p = htn(store)
    visit(store, p, 10, "1")
    expected = due.add_months(TODAY - dt.timedelta(days=10), 3)
    boundary(store, p, "htn_followup", expected)
    i = item(store, p, "htn_followup")
    assert i["item"] == "高血压随访" and "控制满意，3个月后随访" in i["reason"]


def test_first_uncontrolled_is_rechecked_within_two_weeks(store):
    """The defect of issue 14: a visit marked 控制不满意 was next due in 3 months."""
    p = htn(store)
    visit(store, p, 3, "2", sbp=165, dbp=95)
    boundary(store, p, "htn_followup", TODAY + dt.timedelta(days=11))
    i = item(store, p, "htn_followup")
    assert i["reason"] == "上次随访控制不满意，2周内复查" and i["item"] == "高血压随访（复查）"


def test_overdue_days_counted(store):
    p = htn(store)
    visit(store, p, 20, "2", sbp=165, dbp=95)
    i = item(store, p, "htn_followup")
    assert i["overdue_days"] == 6 and i["due_date"] == (TODAY - dt.timedelta(days=6)).isoformat()


def test_adverse_reaction_class_or_field_rechecked_within_two_weeks(store):
    a, b = htn(store, "不良"), htn(store, "副作用")
    visit(store, a, 1, "3")
    visit(store, b, 1, "1", adverse_reaction="2", adverse_reaction_other="干咳")
    for p in (a, b):
        boundary(store, p, "htn_followup", TODAY + dt.timedelta(days=13))
        assert "药物不良反应" in item(store, p, "htn_followup")["reason"]


def test_two_consecutive_uncontrolled_means_referral(store):
    twice, once_after_good = htn(store, "连续"), htn(store, "间隔")
    visit(store, twice, 30, "2", sbp=165, dbp=95)
    visit(store, twice, 16, "2", sbp=162, dbp=94)
    visit(store, once_after_good, 30, "1")
    visit(store, once_after_good, 16, "2", sbp=162, dbp=94)
    i = item(store, twice, "htn_followup")
    assert i["item"] == "高血压随访（转诊后随访）" and "连续2次随访控制不满意，应转诊" in i["reason"]
    assert i["due_date"] == (TODAY - dt.timedelta(days=2)).isoformat() and i["overdue_days"] == 2
    j = item(store, once_after_good, "htn_followup")
    assert j["item"] == "高血压随访（复查）"


def test_new_complication_means_referral(store):
    p = htn(store)
    visit(store, p, 0, "4")
    boundary(store, p, "htn_followup", TODAY + dt.timedelta(days=14))
    assert "并发症" in item(store, p, "htn_followup")["reason"]


def test_diabetes_follows_the_same_rules(store):
    p = add(store, "糖尿病丙", "1968-04-04", past_diseases=[{"code": "3"}])
    visit(store, p, 5, "2", form="dm_followup", fasting_glucose=9.2)
    boundary(store, p, "dm_followup", TODAY + dt.timedelta(days=9))
    assert item(store, p, "dm_followup")["programme"] == "dm"


def test_next_visit_date_honoured_and_named_when_later_than_the_rule(store):
    p, q = htn(store, "约定"), htn(store, "推迟")
    soon = TODAY + dt.timedelta(days=7)
    visit(store, p, 0, "1", next_visit_date=soon.isoformat())
    boundary(store, p, "htn_followup", soon)
    late = TODAY + dt.timedelta(days=60)
    visit(store, q, 0, "2", sbp=165, dbp=95, next_visit_date=late.isoformat())
    i = item(store, q, "htn_followup")
    assert i["due_date"] == late.isoformat()
    assert "晚于规则日期" in i["reason"] and "控制不满意" in i["reason"]


def test_next_visit_date_later_than_the_rule_asks_for_confirmation(store):
    from app.services.record_warnings import NeedsConfirmation

    p = htn(store)
    doc = {"visit_date": TODAY.isoformat(), "sbp": 165, "dbp": 95, "classification": "2"}
    day14 = TODAY + dt.timedelta(days=14)
    records.add(store, p, "htn_followup", {**doc, "next_visit_date": day14.isoformat()})  # at the limit: no question
    later = {**doc, "visit_date": TODAY.isoformat(), "next_visit_date": (day14 + dt.timedelta(days=1)).isoformat()}
    q = htn(store, "确认")
    with pytest.raises(NeedsConfirmation) as e:
        records.add(store, q, "htn_followup", later)
    assert "next_visit_date" in e.value.cli_text() and "2周内复查" in str(e.value)
    records.add(store, q, "htn_followup", later, confirmed=True)


def test_annual_exam_for_htn_and_65_plus(store):
    p = htn(store)
    old = add(store, "老人丙", "1950-01-01")
    young = add(store, "青年丁", "2000-01-01")
    assert item(store, p, "annual_exam")["form"] == "health_exam"
    assert item(store, old, "annual_exam")["due_date"] == TODAY.isoformat()
    assert due.for_resident(store, young) == []
    exam = (TODAY - dt.timedelta(days=40)).isoformat()
    records.add(store, old, "health_exam", {"visit_date": exam}, confirmed=True)
    boundary(store, old, "annual_exam", due.add_months(dt.date.fromisoformat(exam), 12))


def test_65th_birthday_boundary(store):
    turned = TODAY.replace(year=TODAY.year - 65) if not (TODAY.month == 2 and TODAY.day == 29) else dt.date(TODAY.year - 65, 2, 28)
    today65 = add(store, "今天满", turned.isoformat())
    tomorrow65 = add(store, "明天满", (turned + dt.timedelta(days=1)).isoformat())
    rules = {i["rule"] for i in due.for_resident(store, today65)}
    assert rules == {"annual_exam", "elderly_selfcare", "elderly_tcm"}
    assert due.for_resident(store, tomorrow65) == []


def test_selfcare_done_by_its_form_or_with_the_exam(store):
    a, b = add(store, "自评", "1948-02-02"), add(store, "体检自评", "1948-03-03")
    day = TODAY - dt.timedelta(days=5)
    records.add(store, a, "elderly_selfcare",
                {"visit_date": day.isoformat(), "eating": "1", "grooming": "1", "dressing": "1",
                 "toileting": "1", "activity": "1"}, confirmed=True)  # fmt: skip
    records.add(store, b, "health_exam", {"visit_date": day.isoformat(), "elderly_selfcare": "1"},
                confirmed=True)  # fmt: skip
    for p in (a, b):
        boundary(store, p, "elderly_selfcare", due.add_months(day, 12))


def test_status_village_and_programme_filters(store):
    a = add(store, "甲村", "1950-02-02", village="001")
    b = htn(store, "乙村", "1950-02-02")
    lifecycle.set_status(store, a, "moved", reason="迁往县城")
    assert [i for i in due.list_due(store) if i["resident"]["uuid"] == a] == []
    only_htn = due.list_due(store, programme="htn")
    assert {i["programme"] for i in only_htn} == {"htn"} and only_htn[0]["resident"]["uuid"] == b
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        due.list_due(store, programme="leprosy")
    assert "programme" in e.value.cli_text()
    with pytest.raises(InvalidInput) as e:
        due.list_due(store, start="2026-13-01")
    assert "from" in e.value.cli_text()


def test_from_window(store):
    p = htn(store)
    visit(store, p, 3, "2", sbp=165, dbp=95)
    day = TODAY + dt.timedelta(days=11)
    inside = due.list_due(store, start=day.isoformat(), until=day.isoformat(), programme="htn")
    after = due.list_due(store, start=(day + dt.timedelta(days=1)).isoformat(),
                         until=(day + dt.timedelta(days=30)).isoformat(), programme="htn")  # fmt: skip
    assert [i["resident"]["uuid"] for i in inside] == [p] and after == []


def test_drafts_never_move_the_due_date(store):
    p = htn(store)
    visit(store, p, 0, "1")
    records.add(store, p, "htn_followup", {"visit_date": TODAY.isoformat(),
                "next_visit_date": (TODAY + dt.timedelta(days=3)).isoformat()}, status="draft")  # fmt: skip
    assert item(store, p, "htn_followup")["due_date"] == due.add_months(TODAY, 3).isoformat()


def test_add_months_clamps_to_month_end():
    assert due.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert due.add_months(dt.date(2026, 5, 31), 3) == dt.date(2026, 8, 31)
    assert due.add_months(dt.date(2026, 12, 15), 12) == dt.date(2027, 12, 15)


def test_public_shape(store):
    htn(store)
    (first, *_rest) = due.list_due(store, programme="htn")
    out = due.public(first)
    assert set(out) == {"resident", "programme", "item", "form", "due_date", "overdue_days", "reason"}
    assert set(out["resident"]) == {"uuid", "record_no", "name", "village"}
