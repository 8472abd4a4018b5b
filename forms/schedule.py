"""The schedule rules, pure: a resident's visits in, the next due item and its reason out. The
standard's rules (reference standard-forms.md §4.1) as the rules table (forms/rules) sets them,
with no store: the clinic's due list (app/services/due.py) applies them to its records, the
county server derives the key populations of what it holds with derive_tags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forms.pregnancy import Episode
    from forms.rules import Rule, Table


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):  # 31 May + 3 months -> 31 Aug; 30 Nov + 3 -> 28/29 Feb
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def birthday_at(birth: dt.date, age: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born 29 February
        return dt.date(birth.year + age, 2, 28)


def day_of(value: Any) -> dt.date | None:
    """The day a stored value names (a date, or text starting YYYY-MM-DD), else None."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Visit:
    """One final record as the rules see it."""

    day: dt.date
    classification: str | None = None
    adverse: str | None = None
    next_visit: dt.date | None = None


@dataclass(frozen=True)
class Due:
    rule: str
    programme: str
    item: str
    form: str
    due: dt.date
    reason: str
    last_visit: dt.date | None
    until: dt.date | None = None  # a window's last day (maternal visits): overdue only after it


# --- membership of the key populations


def derive_tags(table: Table, doc: dict[str, Any], forms_present: set[str]) -> set[str]:
    """The record-derived populations (diagnosis codes in 既往史, or a form of the programme), as
    the table defines them (the clinic stores them as the resident's tags; the county server,
    which has no tags, derives them here). Age populations are decided on the day."""
    codes = {str(i.get("code")) for i in doc.get("past_diseases") or [] if isinstance(i, dict)}
    return {c for c, p in table.populations.items()
            if p.min_age is None and (codes & set(p.diagnosis_codes) or forms_present & set(p.forms))}  # fmt: skip


# --- the rules, pure: a resident's visits in, due items out


def classified_followup(rule: Rule, visits: list[Visit], since: dt.date) -> Due:
    """`visits`: the latest first. Reference standard-forms.md §4.1 "HTN next-visit rule"."""
    item = rule.item
    if not visits:
        return Due(rule.id, rule.programme, item, rule.form, since, "尚无随访记录，纳入管理后即应随访", None)
    last = visits[0]
    n = rule["referral_after_uncontrolled"]
    uncontrolled = rule["uncontrolled_classes"]
    streak = 0
    for v in visits:
        if v.classification not in uncontrolled:
            break
        streak += 1
    adverse = last.classification in rule["adverse_classes"] or last.adverse in rule["adverse_values"]
    recheck, referral = rule["recheck_days"], rule["referral_days"]
    if last.classification in rule["complication_classes"]:
        day, what = last.day + dt.timedelta(days=referral), f"{item}（转诊后随访）"
        reason = f"上次随访出现新的并发症或并发症加重，应转诊，{_span(referral)}内随访转诊结果"
    elif streak >= n:
        day, what = last.day + dt.timedelta(days=referral), f"{item}（转诊后随访）"
        reason = f"连续{streak}次随访控制不满意，应转诊，{_span(referral)}内随访转诊结果"
    elif streak >= 1:
        day, what = last.day + dt.timedelta(days=recheck), f"{item}（复查）"
        reason = f"上次随访控制不满意，{_span(recheck)}内复查"
    elif adverse:
        day, what = last.day + dt.timedelta(days=recheck), f"{item}（复查）"
        reason = f"上次随访有药物不良反应，{_span(recheck)}内复查"
    else:
        months = rule["routine_months"]
        day, what = add_months(last.day, months), item
        reason = f"上次随访控制满意，{months}个月后随访"
    if rule["honour_next_visit_date"] and last.next_visit is not None:
        if last.next_visit > day:
            reason = f"按随访时约定的下次随访日期（晚于规则日期{day.isoformat()}：{reason}）"
        else:
            reason = f"按随访时约定的下次随访日期（{reason}）"
        day = last.next_visit
    return Due(rule.id, rule.programme, what, rule.form, day, reason, last.day)


def interval(rule: Rule, last: dt.date | None, since: dt.date, why_since: str) -> Due:
    months = rule["interval_months"]
    every = "每年1次" if months == 12 else f"每{months}个月1次"
    if last is None:
        return Due(rule.id, rule.programme, rule.item, rule.form, since, f"{every}，尚未做过（{why_since}）", None)
    return Due(rule.id, rule.programme, rule.item, rule.form, add_months(last, months),
               f"{every}，上次{last.isoformat()}", last)  # fmt: skip


def rule_date_after(rule: Rule, doc: dict[str, Any], earlier: list[Visit]) -> tuple[dt.date, str] | None:
    """The latest next-visit date the rule allows after a visit recorded by `doc` (with the
    earlier visits, latest first), and the rule's reason; None when the rule has no say."""
    day = day_of(doc.get("visit_date"))
    if rule.kind != "classified_followup" or day is None:
        return None
    visit = Visit(day, doc.get("classification"), doc.get(rule["adverse_field"]))
    plain = rule_with(rule, honour_next_visit_date=False)
    d = classified_followup(plain, [visit, *earlier], day)
    return d.due, d.reason


def rule_with(rule: Rule, **changes: Any) -> Rule:
    return replace(rule, params={**rule.params, **changes})


def _span(days: int) -> str:
    return f"{days // 7}周" if days % 7 == 0 else f"{days}天"


# --- the maternal rules: the woman's latest pregnancy (forms/pregnancy.py) in, what is due out

# A delivery older than this has nothing more due (the postpartum time is long over).
POSTPARTUM_DUE_DAYS = 120
# A pregnancy past 42+6 weeks without an outcome is asked about for this long [U].
OUTCOME_CHECK_DAYS = 365
# Nothing is due from a woman whose latest maternal record is older than this (the longest a
# record keeps an item due: 43 weeks of pregnancy and the outcome check), so the due list reads
# only the women with a recent one, however many years of records a clinic holds.
MATERNAL_LOOKBACK_DAYS = 43 * 7 + OUTCOME_CHECK_DAYS
OUTCOME_CHECK = ("pregnancy_outcome", "核实妊娠结局")


def maternal(rule: Rule, episode: Episode | None, on: dt.date) -> Due | None:
    """The rule's next item for the pregnancy (None: nothing due from it)."""
    if episode is None:
        return None
    if rule.kind == "prenatal":
        return prenatal(rule, episode, on)
    if rule.kind == "postpartum":
        return postpartum(rule, episode, on)
    return None


def _done_visits(rule: Rule, ep: Episode) -> set[int]:
    """The antenatal visits done: a follow-up by its 第几次, else by the week it was made in."""
    done: set[int] = set()
    for r in ep.prenatal_visits():
        no = r.doc.get("visit_no") if r.form != "prenatal_first" else 1
        if isinstance(no, int) and not isinstance(no, bool):
            done.add(no)
            continue
        weeks = ep.weeks_on(r.day)
        for v in rule["visits"]:
            if weeks is not None and v["form"] == r.form and v["from_week"] <= weeks[0] <= v["to_week"]:
                done.add(v["no"])
    return done


def prenatal(rule: Rule, ep: Episode, on: dt.date) -> Due | None:
    """The next antenatal visit of a pregnancy: the first one not done after the last done,
    whose window has not passed (a missed one is named in the reason); the last one, overdue,
    when every window has passed; after 42+6 weeks without an outcome, checking the outcome."""
    if ep.ended:
        return None
    last = ep.records[-1].day if ep.records else None
    if ep.state(on) == "overdue" and ep.dating is not None:
        day = ep.dating + dt.timedelta(days=43 * 7)
        if (on - day).days > OUTCOME_CHECK_DAYS:
            return None
        return Due(rule.id, rule.programme, OUTCOME_CHECK[1], OUTCOME_CHECK[0], day,
                   f"已过孕42周（预产期{ep.edd.isoformat() if ep.edd else '不详'}），尚无分娩或妊娠结局记录；"
                   "请核实并记录", last)  # fmt: skip
    done = _done_visits(rule, ep)
    after = max(done, default=0)
    todo = [v for v in rule["visits"] if v["no"] > after]
    if not todo:
        return None
    if ep.dating is None:  # 末次月经、孕周都不详: four weeks after the last contact [U]
        v = todo[0]
        base = last or on
        if (on - ep.start).days > 43 * 7:
            return None  # whatever it was, this pregnancy is over
        return Due(rule.id, rule.programme, v["item"], v["form"], base + dt.timedelta(days=28),
                   f"末次月经和孕周不详，上次检查{base.isoformat()}后4周；请补记末次月经", last)  # fmt: skip
    missed = []
    for v in todo:
        start = ep.dating + dt.timedelta(days=7 * v["from_week"])
        end = ep.dating + dt.timedelta(days=7 * v["to_week"] + 6)
        if end < on and v is not todo[-1]:
            missed.append(v["item"])
            continue
        weeks = f"孕{v['to_week'] + 1}周前" if v["from_week"] == 0 else f"孕{v['from_week']}～{v['to_week']}周"
        reason = f"{weeks}：{start.isoformat()}至{end.isoformat()}"
        if end < on:
            reason += f"，已过{(on - end).days}天"
        if missed:
            reason += f"；{'、'.join(missed)}未做，已过时间"
        return Due(rule.id, rule.programme, v["item"], v["form"], start, reason, last, end)
    return None


def postpartum(rule: Rule, ep: Episode, on: dt.date) -> Due | None:
    """A postpartum form of a delivered pregnancy not yet closed, if not done: due
    `offset_days` after the delivery or the discharge, within `within_days`."""
    if not ep.delivered or ep.closed or ep.end is None or ep.of_form(rule.form):
        return None
    if (on - ep.end).days > POSTPARTUM_DUE_DAYS:
        return None
    by_discharge = rule["from"] == "discharge" and ep.discharge is not None
    base = ep.discharge if by_discharge and ep.discharge else ep.end
    day = base + dt.timedelta(days=rule["offset_days"])
    until = day + dt.timedelta(days=rule["within_days"])
    what = f"出院（{base.isoformat()}）" if by_discharge else f"分娩（{base.isoformat()}）"
    if rule["offset_days"]:
        when = f"{what}后{rule['offset_days']}天，{day.isoformat()}至{until.isoformat()}"
    else:
        when = f"{what}后{rule['within_days']}天内（{until.isoformat()}前）"
    if rule["offset_days"] == 0 and (on - ep.end).days > 42:
        return None  # the visit's time is gone; the 42-day exam is what is due
    last = ep.records[-1].day if ep.records else None
    return Due(rule.id, rule.programme, rule.item, rule.form, day, when, last, until)
