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
