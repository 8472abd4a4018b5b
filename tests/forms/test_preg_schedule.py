"""The maternal schedule rules of the shipped table at their boundaries (forms/schedule.py):
the antenatal windows by weeks, the postpartum visit within 7 days of discharge, the 42-day exam."""

from __future__ import annotations

import datetime as dt

import pytest

from forms import pregnancy as P
from forms import rules, schedule
from tests.forms.preglib import first, follow, rec

D = dt.date.fromisoformat
LMP = D("2025-12-01")
TABLE = rules.default()
PRENATAL, VISIT, DAY42 = (TABLE.rule(r) for r in ("prenatal_visits", "postpartum_visit", "postpartum_42d"))


def week(w: int, d: int = 0) -> dt.date:
    return LMP + dt.timedelta(days=7 * w + d)


def pregnancy(*more: P.MaternalRecord) -> P.Episode:
    return P.episodes([first(week(11).isoformat(), LMP.isoformat()), *more])[-1]


def test_the_table_has_the_five_antenatal_windows() -> None:
    assert [(v["from_week"], v["to_week"]) for v in PRENATAL["visits"]] == [(0, 12), (16, 20), (21, 24), (28, 36), (37, 40)]
    assert {r.programme for r in (PRENATAL, VISIT, DAY42)} == {"maternal"}


@pytest.mark.parametrize(("on", "item", "missed"), [
    (week(12), "第2次产前随访", False),
    (week(20, 6), "第2次产前随访", False),  # the last day of 16-20 weeks
    (week(21), "第3次产前随访", True),  # the day after: the 2nd is missed, the 3rd is next
    (week(24, 6), "第3次产前随访", True),
    (week(25), "第4次产前随访", True),
])  # fmt: skip
def test_next_antenatal_visit_by_the_week(on: dt.date, item: str, missed: bool) -> None:
    d = schedule.maternal(PRENATAL, pregnancy(), on)
    assert d is not None and d.item == item and d.form == "prenatal_followup"
    v = next(v for v in PRENATAL["visits"] if v["item"] == item)
    assert d.due == week(v["from_week"]) and d.deadline == week(v["to_week"], 6)  # due from the window's first day
    assert f"孕{v['from_week']}～{v['to_week']}周" in d.reason and week(v["to_week"], 6).isoformat() in d.reason
    assert ("未做" in d.reason) is missed


def test_a_done_visit_moves_to_the_next_by_its_number_or_its_week() -> None:
    by_number = pregnancy(follow(week(17).isoformat(), 2))
    d = schedule.maternal(PRENATAL, by_number, week(17))
    assert d is not None and d.item == "第3次产前随访" and d.due == week(21) and "未做" not in d.reason
    by_week = pregnancy(follow(week(18).isoformat()))  # no 第几次 written: counted by its week
    d = schedule.maternal(PRENATAL, by_week, week(18))
    assert d is not None and d.item == "第3次产前随访"


def test_the_last_visit_overdue_then_the_outcome_to_check() -> None:
    done = [follow(week(w).isoformat(), n) for n, w in ((2, 17), (3, 22), (4, 30))]
    ep = pregnancy(*done)
    d = schedule.maternal(PRENATAL, ep, week(40, 6))
    assert d is not None and d.item == "第5次产前随访" and "已过" not in d.reason
    d = schedule.maternal(PRENATAL, ep, week(41))
    assert d is not None and d.item == "第5次产前随访" and "已过1天" in d.reason
    d = schedule.maternal(PRENATAL, ep, week(42, 6))
    assert d is not None and d.item == "第5次产前随访"
    d = schedule.maternal(PRENATAL, ep, week(43))  # 42+6 passed without a delivery: check the outcome
    assert d is not None and d.form == "pregnancy_outcome" and d.due == week(43) and "孕42周" in d.reason
    assert schedule.maternal(PRENATAL, ep, week(43) + dt.timedelta(days=schedule.OUTCOME_CHECK_DAYS)) is not None
    assert schedule.maternal(PRENATAL, ep, week(43) + dt.timedelta(days=schedule.OUTCOME_CHECK_DAYS + 1)) is None
    # the due list reads only the women with a record in the lookback: it covers every item
    assert schedule.MATERNAL_LOOKBACK_DAYS >= 43 * 7 + schedule.OUTCOME_CHECK_DAYS
    assert schedule.MATERNAL_LOOKBACK_DAYS >= schedule.POSTPARTUM_DUE_DAYS
    ep5 = pregnancy(*done, follow(week(38).isoformat(), 5))
    assert schedule.maternal(PRENATAL, ep5, week(39)) is None


def test_the_first_exam_is_due_before_13_weeks_when_only_a_follow_up_is_recorded() -> None:
    (ep,) = P.episodes([follow(week(8).isoformat(), gest_weeks=8)])
    d = schedule.maternal(PRENATAL, ep, week(8))
    assert d is not None and d.form == "prenatal_first" and "孕13周前" in d.reason and week(12, 6).isoformat() in d.reason


def test_nothing_antenatal_after_the_pregnancy_ended() -> None:
    ep = pregnancy(rec(P.OUTCOME, week(14).isoformat(), outcome="3", outcome_date=week(14).isoformat()))
    assert all(schedule.maternal(r, ep, week(15)) is None for r in (PRENATAL, VISIT, DAY42))


def test_postpartum_visit_within_7_days_of_discharge_or_delivery() -> None:
    ep = P.episodes([first(week(11).isoformat(), LMP.isoformat()),
                     rec(P.OUTCOME, "2026-09-04", outcome="1", outcome_date="2026-09-03")])[-1]  # fmt: skip
    d = schedule.maternal(VISIT, ep, D("2026-09-05"))
    assert d is not None and d.due == D("2026-09-03") and "分娩（2026-09-03）后7天内（2026-09-10前）" in d.reason
    ep.discharge = D("2026-09-06")
    d = schedule.maternal(VISIT, ep, D("2026-09-07"))
    assert d is not None and d.due == D("2026-09-06") and "出院（2026-09-06）后7天内（2026-09-13前）" in d.reason
    assert schedule.maternal(VISIT, ep, D("2026-10-15")) is not None  # delivery + 42: still listed
    assert schedule.maternal(VISIT, ep, D("2026-10-16")) is None  # + 43: the 42-day exam is what is due


def test_the_42_day_exam_and_closing() -> None:
    visited = rec(P.VISIT, "2026-09-10", delivery_date="2026-09-03", discharge_date="2026-09-06")
    ep = P.episodes([first(week(11).isoformat(), LMP.isoformat()), visited])[-1]
    assert schedule.maternal(VISIT, ep, D("2026-09-11")) is None  # done
    d = schedule.maternal(DAY42, ep, D("2026-09-11"))
    assert d is not None and d.due == D("2026-10-15") and "2026-10-15至2026-10-29" in d.reason
    assert schedule.maternal(DAY42, ep, D("2026-09-03") + dt.timedelta(days=schedule.POSTPARTUM_DUE_DAYS)) is not None
    assert schedule.maternal(DAY42, ep, D("2026-09-03") + dt.timedelta(days=schedule.POSTPARTUM_DUE_DAYS + 1)) is None
    closed = P.episodes([first(week(11).isoformat(), LMP.isoformat()), visited, rec(P.DAY42, "2026-10-16")])[-1]
    assert all(schedule.maternal(r, closed, D("2026-10-17")) is None for r in (PRENATAL, VISIT, DAY42))


def test_a_bad_visit_list_is_refused_naming_the_rule() -> None:
    import json

    raw = json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))
    rule = next(r for r in raw["rules"] if r["id"] == "prenatal_visits")
    rule["visits"][1]["to_week"] = 15  # before its from_week
    with pytest.raises(rules.TableError) as e:
        rules.validate(raw)
    assert e.value.rule == "prenatal_visits" and e.value.field == "visits"
    raw = json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))
    next(r for r in raw["rules"] if r["id"] == "postpartum_visit")["from"] = "birth"
    with pytest.raises(rules.TableError, match="discharge"):
        rules.validate(raw)


def test_a_pregnancy_without_any_dating_is_followed_four_weeks_on_for_43_weeks() -> None:
    (ep,) = P.episodes([follow("2026-03-02", 3)])  # no 孕周 written: not dated
    d = schedule.maternal(PRENATAL, ep, D("2026-03-03"))
    assert d is not None and d.item == "第4次产前随访" and d.due == D("2026-03-30") and "不详" in d.reason
    assert schedule.maternal(PRENATAL, ep, D("2026-03-02") + dt.timedelta(days=43 * 7)) is not None
    assert schedule.maternal(PRENATAL, ep, D("2026-03-02") + dt.timedelta(days=43 * 7 + 1)) is None
