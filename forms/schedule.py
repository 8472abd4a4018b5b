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
    deadline: dt.date | None = None  # the end of the window (child slots): overdue after it


# --- membership of the key populations


def derive_tags(table: Table, doc: dict[str, Any], forms_present: set[str]) -> set[str]:
    """The record-derived populations (diagnosis codes in 既往史, or a form of the programme), as
    the table defines them (the clinic stores them as the resident's tags; the county server,
    which has no tags, derives them here). Age populations are decided on the day."""
    codes = {str(i.get("code")) for i in doc.get("past_diseases") or [] if isinstance(i, dict)}
    return {c for c, p in table.populations.items()
            if p.min_age is None and p.max_age is None and (codes & set(p.diagnosis_codes) or forms_present & set(p.forms))}  # fmt: skip


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


# --- children: checks at fixed ages (issue 15; reference programme-forms.md §17)


@dataclass(frozen=True)
class Slot:
    """One age of an age_slots rule, placed on a child's calendar."""

    slot: str
    label: str
    form: str
    start: dt.date  # the window opens (the age reached)
    end: dt.date  # the window's last day
    until: dt.date  # listed (overdue) until this day: the day before the rule's next slot opens
    done_by: tuple[str, ...]  # the slots of `form` that do it (itself, or e.g. Hb at 6 or 8)


def slots_of(rule: Rule, birth: dt.date) -> list[Slot]:
    """The rule's slots for a child born on `birth`, in age order."""
    spans: list[tuple[dict[str, Any], dt.date, dt.date]] = []
    for spec in rule["slots"]:
        if "days" in spec:
            start = birth + dt.timedelta(days=spec["days"])
        else:
            start = add_months(birth, spec["months"])
        if "window_days" in spec:
            end = start + dt.timedelta(days=spec["window_days"])
        else:  # "from the birthday to +11 m 29 d": the day before the window's months are up
            end = add_months(start, spec["window_months"]) - dt.timedelta(days=1)
        spans.append((spec, start, end))
    out: list[Slot] = []
    for i, (spec, start, end) in enumerate(spans):
        # a missed slot stays due until the day before the next one opens
        until = max(end, spans[i + 1][1] - _DAY) if i + 1 < len(spans) else end
        out.append(Slot(spec["slot"], spec["label"], spec.get("form", rule.form), start, end, until,
                        (spec["slot"], *spec.get("done_by", ()))))  # fmt: skip
    return out


_DAY = dt.timedelta(days=1)


def age_slots(rule: Rule, birth: dt.date, done: set[tuple[str, str]], on: dt.date,
              slots: list[Slot] | None = None) -> Due | None:  # fmt: skip
    """The child's next slot of the rule: the first one after the last done (a record of the
    slot's form with that `slot`: `done` holds (form, slot) pairs) that is not past its `until`;
    None when nothing is left. Before its window the item is due at the window's start.
    `slots`: slots_of(rule, birth), when the caller has them (children born the same day)."""
    if slots is None:
        slots = slots_of(rule, birth)
    last_done = -1
    for i, s in enumerate(slots):
        if any((s.form, d) in done for d in s.done_by):
            last_done = i
    for s in slots[last_done + 1:]:
        if on > s.until:
            continue  # missed, and the next slot has opened: no going back
        what = f"{rule.item}（{s.label}）"
        window = f"{s.start.isoformat()}至{s.end.isoformat()}"
        if on > s.end:
            reason = f"{s.label}应在{window}完成，已过期限尚未记录（下一时点开始前仍可补做，至{s.until.isoformat()}）"
        else:
            reason = f"{s.label}：{window}（按出生日期{birth.isoformat()}计）"
        return Due(rule.id, rule.programme, what, s.form, s.start, reason, None, s.end)
    return None


def newborn_visit(rule: Rule, birth: dt.date, discharge: dt.date | None, visited: dt.date | None,
                  on: dt.date) -> Due | None:  # fmt: skip
    """The newborn home visit: within `within_days` of discharge (of the birth when the
    discharge date is not known), listed until the child is `until_days` old; None once a visit
    is recorded or the period is over."""
    if visited is not None:
        return None
    if (on - birth).days > rule["until_days"]:
        return None
    days = rule["within_days"]
    if discharge is not None and discharge >= birth:
        start, why = discharge, f"出院后{days}天内访视（出院日期{discharge.isoformat()}，据母亲的产后访视记录）"
    else:
        start, why = birth, f"出生后{days}天内访视（出院日期不详，按出生日期{birth.isoformat()}计）"
    return Due(rule.id, rule.programme, rule.item, rule.form, start, why, None, start + dt.timedelta(days=days))
