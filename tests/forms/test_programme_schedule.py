"""The issue-16 schedule rules, pure (forms/schedule.py on the shipped table): 严重精神障碍 by
classification, risk, referral and lost visits; 肺结核 first visit, supervision by phase and
supervisor, end of treatment; each at its boundary day."""

from __future__ import annotations

import datetime as dt

import pytest

from forms import rules, schedule

T = rules.default()
SMI, FIRST, SUP, END = (T.rule(r) for r in ("smi_followup", "tb_first_visit", "tb_supervision", "tb_end"))
D = dt.date(2026, 3, 10)


def smi(**kw) -> schedule.Due | None:
    return schedule.risk_followup(SMI, schedule.RiskVisit(D, **kw), dt.date(2026, 1, 1))


@pytest.mark.parametrize(("kw", "due", "reason"), [
    ({"classification": "3", "risk": "0"}, dt.date(2026, 6, 10), "上次随访分类为稳定，3个月后随访"),
    ({"classification": "2", "risk": "1"}, dt.date(2026, 3, 24), "上次随访分类为基本稳定，观察2周后随访"),
    ({"classification": "1", "risk": "2"}, dt.date(2026, 3, 24), "上次随访分类为不稳定，应立即转诊；未住院者2周内随访"),
    # 危险性 3级 is 不稳定 whatever the classification says
    ({"classification": "3", "risk": "3"}, dt.date(2026, 3, 24), "上次随访危险性评估为3级，应立即转诊；未住院者2周内随访"),
    ({"classification": "3", "risk": "0", "referred": True}, dt.date(2026, 3, 24), "上次随访已转诊，2周内随访转诊结果"),
    ({"lost": True}, dt.date(2026, 3, 24), "上次随访未访到（失访），2周内再次随访"),
])  # fmt: skip
def test_smi_next_visit_by_classification_risk_and_referral(kw, due, reason):
    d = smi(**kw)
    assert d is not None and (d.due, d.reason, d.last_visit) == (due, reason, D)
    # the boundary: 2 weeks is 14 days, 3 months the same day three months on
    assert (d.due - D).days in (14, 92)


def test_smi_agreed_date_earlier_kept_later_only_when_stable():
    early = smi(classification="2", next_visit=dt.date(2026, 3, 20))
    assert early is not None and early.due == dt.date(2026, 3, 20) and early.reason.startswith("按随访时约定")
    late_unstable = smi(classification="1", next_visit=dt.date(2026, 5, 1))
    assert late_unstable is not None and late_unstable.due == dt.date(2026, 3, 24)
    late_stable = smi(classification="3", risk="0", next_visit=dt.date(2026, 7, 1))
    assert late_stable is not None and late_stable.due == dt.date(2026, 7, 1) and "2026-06-10" in late_stable.reason


def test_smi_never_seen_and_dead():
    first = schedule.risk_followup(SMI, None, dt.date(2026, 2, 2))
    assert first is not None and first.due == dt.date(2026, 2, 2) and "尚无随访记录" in first.reason
    assert smi(dead=True, classification="3") is None


def test_tb_first_visit_within_72_hours_of_notification():
    n = dt.date(2026, 3, 10)
    d = schedule.notified_visit(FIRST, n, None, n)
    assert d is not None and d.due == dt.date(2026, 3, 13) and d.reason == "2026-03-10确诊通知，72小时内首次入户随访"
    assert schedule.notified_visit(FIRST, n, n, n) is None  # visited the same day
    assert schedule.notified_visit(FIRST, n, n - dt.timedelta(days=400), n) is not None  # an earlier episode
    # older than the window (180 days): an old diagnosis, not a notification to act on
    assert schedule.notified_visit(FIRST, n, None, n + dt.timedelta(days=180)) is not None
    assert schedule.notified_visit(FIRST, n, None, n + dt.timedelta(days=181)) is None
    assert schedule.notified_day({"past_diseases": [{"code": "9", "diagnosed": "2026-02"}]}, "9") == dt.date(2026, 2, 1)
    assert schedule.notified_day({"past_diseases": [{"code": "2", "diagnosed": "2026-02-02"}]}, "9") is None


def course(first=D, last=None, sup="2", ptype="1", **kw) -> schedule.TbCourse:
    return schedule.TbCourse(first, ptype, last or first, sup, **kw)


def test_tb_family_supervised_every_10_days_in_the_intensive_phase_then_monthly():
    # 初治: intensive phase 2 months from the first visit, to 2026-05-10
    d = schedule.tb_supervision(SUP, course(last=dt.date(2026, 5, 9)))
    assert d is not None and d.due == dt.date(2026, 5, 19) and "每10天随访1次" in d.reason
    d = schedule.tb_supervision(SUP, course(last=dt.date(2026, 5, 10)))
    assert d is not None and d.due == dt.date(2026, 6, 10) and d.reason == "继续期非医务人员督导，每月随访1次"
    # 复治: 3 months
    d = schedule.tb_supervision(SUP, course(ptype="2", last=dt.date(2026, 6, 9)))
    assert d is not None and d.due == dt.date(2026, 6, 19) and "复治前3个月" in d.reason


def test_tb_staff_supervised_monthly_and_stops_end_it():
    d = schedule.tb_supervision(SUP, course(sup="1", last=dt.date(2026, 3, 20)))
    assert d is not None and d.due == dt.date(2026, 4, 20) and d.reason == "医务人员督导，每月随访评估1次"
    early = schedule.tb_supervision(SUP, course(next_visit=dt.date(2026, 3, 15)))
    assert early is not None and early.due == dt.date(2026, 3, 15)
    assert schedule.tb_supervision(SUP, course(stopped=True)) is None


def test_tb_end_of_treatment_assessment():
    d = schedule.tb_end(END, course())
    assert d is not None and d.due == dt.date(2026, 9, 10) and "停止治疗及原因、全程管理情况" in d.reason
    d2 = schedule.tb_end(END, course(ptype="2"))
    assert d2 is not None and d2.due == dt.date(2026, 11, 10) and d2.reason.startswith("复治疗程8个月")
    assert schedule.tb_end(END, course(stopped=True)) is None
    assert schedule.tb_end(END, course(first=None, last=D)) is None


def test_new_rule_kinds_are_validated():
    import json

    raw = json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))
    bad = next(r for r in raw["rules"] if r["id"] == "tb_supervision")
    bad["intensive_months"] = {"1": 0}
    with pytest.raises(rules.TableError) as e:
        rules.validate(raw)
    assert (e.value.rule, e.value.field) == ("tb_supervision", "intensive_months")
    raw = json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))
    next(r for r in raw["rules"] if r["id"] == "elderly_tcm")["offered_with"] = "nothing"
    with pytest.raises(rules.TableError) as e:
        rules.validate(raw)
    assert e.value.field == "offered_with"
