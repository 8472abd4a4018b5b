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
    deadline: dt.date | None = None  # the end of the window (child slots, antenatal visits): overdue after it


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
# --- 严重精神障碍, 肺结核 (issue 16): programme-forms.md §11, §13, §17


@dataclass(frozen=True)
class RiskVisit:
    """A 严重精神障碍 follow-up as the rule sees it."""

    day: dt.date
    classification: str | None = None
    risk: str | None = None
    referred: bool = False
    lost: bool = False
    dead: bool = False
    next_visit: dt.date | None = None


def risk_visit(rule: Rule, day: dt.date, values: dict[str, Any]) -> RiskVisit:
    """A RiskVisit from a record's values (the rule names the fields)."""

    def text(key: str) -> str | None:
        v = values.get(rule[key])
        return None if v is None or v == "" else str(v)

    return RiskVisit(day, None if values.get("classification") is None else str(values["classification"]),
                     text("risk_field"), text("referral_field") in rule["referral_values"],
                     text("lost_field") is not None, text("death_field") is not None,
                     day_of(values.get("next_visit_date")))  # fmt: skip


def risk_followup(rule: Rule, last: RiskVisit | None, since: dt.date) -> Due | None:
    """The next 严重精神障碍 follow-up after the latest one (None: the patient died). Referral,
    不稳定 (or 危险性 3-5级), 基本稳定 and a lost visit: within `recheck_days`; 稳定: after
    `routine_months`. An agreed next-visit date earlier than the rule's is kept; a later one only
    when the patient was stable."""
    item = rule.item
    if last is None:
        return Due(rule.id, rule.programme, item, rule.form, since, "尚无随访记录，纳入管理后即应随访", None)
    if last.dead:
        return None
    days = rule["recheck_days"]
    soon = last.day + dt.timedelta(days=days)
    stable = False
    if last.referred:
        day, what, reason = soon, f"{item}（转诊后随访）", f"上次随访已转诊，{_span(days)}内随访转诊结果"
    elif last.classification in rule["unstable_classes"] or last.risk in rule["unstable_risk"]:
        why = ("分类为不稳定" if last.classification in rule["unstable_classes"]
               else f"危险性评估为{last.risk}级")  # fmt: skip
        day, what = soon, f"{item}（不稳定）"
        reason = f"上次随访{why}，应立即转诊；未住院者{_span(days)}内随访"
    elif last.classification in rule["basic_classes"]:
        day, what, reason = soon, f"{item}（基本稳定）", f"上次随访分类为基本稳定，观察{_span(days)}后随访"
    elif last.lost and last.classification is None:
        day, what, reason = soon, item, f"上次随访未访到（失访），{_span(days)}内再次随访"
    else:
        months = rule["routine_months"]
        stable = True
        day, what = add_months(last.day, months), item
        reason = (f"上次随访分类为稳定，{months}个月后随访" if last.classification is not None
                  else f"上次随访未分类，按{months}个月随访")  # fmt: skip
    agreed = last.next_visit
    if rule["honour_next_visit_date"] and agreed is not None and agreed != day:
        if agreed < day:
            day, reason = agreed, f"按随访时约定的下次随访日期（{reason}）"
        elif stable:
            reason = f"按随访时约定的下次随访日期（晚于规则日期{day.isoformat()}：{reason}）"
            day = agreed
    return Due(rule.id, rule.programme, what, rule.form, day, reason, last.day)


def notified_day(doc: dict[str, Any], code: str) -> dt.date | None:
    """The latest 确诊时间 of 既往史 `code` in a personal_info document (a month alone counts as
    its first day), else None: the day the patient is taken as notified."""
    days = []
    for i in doc.get("past_diseases") or []:
        if isinstance(i, dict) and str(i.get("code")) == code and i.get("diagnosed"):
            text = str(i["diagnosed"])
            days.append(day_of(text if len(text) >= 10 else f"{text[:7]}-01"))
    found = [d for d in days if d is not None]
    return max(found) if found else None


def notified_visit(rule: Rule, notified: dt.date, first_visit: dt.date | None, on: dt.date) -> Due | None:
    """The first home visit within `within_hours` of the notification; None when done since (a
    first visit on or after the notification day) or when the notification is older than
    `notice_window_days` (an old diagnosis, not a patient to take in)."""
    if first_visit is not None and first_visit >= notified:
        return None
    if (on - notified).days > rule["notice_window_days"]:
        return None
    hours = rule["within_hours"]
    day = notified + dt.timedelta(days=-(-hours // 24))
    return Due(rule.id, rule.programme, rule.item, rule.form, day,
               f"{notified.isoformat()}确诊通知，{hours}小时内首次入户随访", first_visit)  # fmt: skip


@dataclass(frozen=True)
class TbCourse:
    """A TB patient's course as the rules see it: the first home visit (its date, 患者类型),
    the latest visit of either form with its 督导人员 and agreed next date, and whether a
    停止治疗 was recorded."""

    first_visit: dt.date | None
    patient_type: str | None
    last_visit: dt.date | None
    supervisor: str | None = None
    next_visit: dt.date | None = None
    stopped: bool = False


def _course_months(rule: Rule, key: str, ptype: str | None) -> tuple[int, str]:
    by = rule[key]
    code = ptype if ptype in by else next(iter(by))
    return by[code], ("复治" if code == "2" else "初治")


def tb_supervision(rule: Rule, c: TbCourse) -> Due | None:
    """The next supervision visit: staff-supervised patients every `staff_months`; the others
    every `intensive_days` in the intensive phase (from the first home visit), then every
    `continuation_months`. None once a 停止治疗 is recorded, or before any visit. An agreed
    next-visit date is kept only when earlier."""
    if c.stopped or c.last_visit is None:
        return None
    start = c.first_visit or c.last_visit
    last = c.last_visit
    if c.supervisor in rule["staff_supervisors"]:
        months = rule["staff_months"]
        day, reason = add_months(last, months), f"医务人员督导，每{_months(months)}随访评估1次"
    else:
        months, kind = _course_months(rule, "intensive_months", c.patient_type)
        end = add_months(start, months)
        if last < end:
            days = rule["intensive_days"]
            day = last + dt.timedelta(days=days)
            reason = f"强化期（{kind}前{months}个月，至{end.isoformat()}）非医务人员督导，每{days}天随访1次"
        else:
            cont = rule["continuation_months"]
            day, reason = add_months(last, cont), f"继续期非医务人员督导，每{_months(cont)}随访1次"
    if rule["honour_next_visit_date"] and c.next_visit is not None and c.next_visit < day:
        day, reason = c.next_visit, f"按随访时约定的下次随访日期（{reason}）"
    return Due(rule.id, rule.programme, rule.item, rule.form, day, reason, last)


def tb_end(rule: Rule, c: TbCourse) -> Due | None:
    """The end-of-treatment assessment (停止治疗及原因, 全程管理情况), due when the course ends
    (`course_months` from the first home visit); None once a 停止治疗 is recorded."""
    if c.stopped or c.first_visit is None:
        return None
    months, kind = _course_months(rule, "course_months", c.patient_type)
    day = add_months(c.first_visit, months)
    return Due(rule.id, rule.programme, rule.item, rule.form, day,
               f"{kind}疗程{months}个月（自第一次入户随访{c.first_visit.isoformat()}起）结束，"
               f"填写停止治疗及原因、全程管理情况", c.last_visit)  # fmt: skip


def _months(n: int) -> str:
    return "月" if n == 1 else f"{n}个月"
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


def _window(spec: dict[str, Any], birth: dt.date) -> tuple[dt.date, dt.date]:
    """A slot's window for a child born on `birth`: its first and last day."""
    if "days" in spec:
        start = birth + dt.timedelta(days=spec["days"])
    else:
        start = add_months(birth, spec["months"])
    if "window_days" in spec:
        end = start + dt.timedelta(days=spec["window_days"])
    else:  # "from the birthday to +11 m 29 d": the day before the window's months are up
        end = add_months(start, spec["window_months"]) - dt.timedelta(days=1)
    return start, end


def slots_of(rule: Rule, birth: dt.date) -> list[Slot]:
    """The rule's slots for a child born on `birth`, in age order."""
    calendar = Calendar(rule, birth)
    return [calendar.slot(i) for i in range(len(calendar.specs))]


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
        return _slot_due(rule, birth, s, on)
    return None


def _slot_due(rule: Rule, birth: dt.date, s: Slot, on: dt.date) -> Due:
    what = f"{rule.item}（{s.label}）"
    window = f"{s.start.isoformat()}至{s.end.isoformat()}"
    if on > s.end:
        reason = f"{s.label}应在{window}完成，已过期限尚未记录（下一时点开始前仍可补做，至{s.until.isoformat()}）"
    else:
        reason = f"{s.label}：{window}（按出生日期{birth.isoformat()}计）"
    return Due(rule.id, rule.programme, what, s.form, s.start, reason, None, s.end)


def slot_numbers(rule: Rule) -> dict[str, dict[str, int]]:
    """form -> the `slot` of a record of that form -> the last of the rule's slots (their
    place in age order) it does: a child's last slot done, as age_slots finds it, is the
    highest of these over the child's records. The same for every birth date."""
    out: dict[str, dict[str, int]] = {}
    for i, spec in enumerate(rule["slots"]):
        for d in (spec["slot"], *spec.get("done_by", ())):
            out.setdefault(spec.get("form", rule.form), {})[d] = i  # in age order: the last wins
    return out


class Calendar:
    """A rule's slots for one birth date, placed only as far as asked: next_due(last_done, on)
    is age_slots for a child whose last slot done is `last_done` (slot_numbers), reading
    the windows from there on, usually one or two (a due list asks this for every child;
    children born the same day share one calendar)."""

    def __init__(self, rule: Rule, birth: dt.date) -> None:
        self.rule, self.birth = rule, birth
        self.specs: list[dict[str, Any]] = rule["slots"]
        self._spans: dict[int, tuple[dt.date, dt.date]] = {}

    def span(self, i: int) -> tuple[dt.date, dt.date]:
        got = self._spans.get(i)
        if got is None:
            got = self._spans[i] = _window(self.specs[i], self.birth)
        return got

    def last_until(self) -> dt.date:
        """The last slot's `until` (its window's end): after it nothing is left."""
        return self.span(len(self.specs) - 1)[1]

    def slot(self, i: int) -> Slot:
        start, end = self.span(i)
        # a missed slot stays due until the day before the next one opens
        until = max(end, self.span(i + 1)[0] - _DAY) if i + 1 < len(self.specs) else end
        spec = self.specs[i]
        return Slot(spec["slot"], spec["label"], spec.get("form", self.rule.form), start, end, until,
                    (spec["slot"], *spec.get("done_by", ())))  # fmt: skip

    def next_due(self, last_done: int, on: dt.date) -> Due | None:
        for i in range(last_done + 1, len(self.specs)):
            slot = self.slot(i)
            if on > slot.until:
                continue
            return _slot_due(self.rule, self.birth, slot, on)
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
