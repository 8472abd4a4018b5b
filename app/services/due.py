"""Who is due for what, and why: the schedule rules of the installation's rules table (app/rules)
applied to the records.

Each item: the resident, the programme and rule, the form to fill, the due date, how many days
overdue and the reason for the date ("上次随访控制不满意，2周内复查"). Someone never seen for an item
is due from the day they were registered (or turned 65). Only active residents are listed.
The same items serve the desktop due list, `cunyi due` and the resident view.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from app import rules as rules_mod
from app.clock import today
from app.errors import InvalidInput
from app.services import refs

if TYPE_CHECKING:
    from app.rules import Rule, Table
    from app.store import Store

SUMMARY = ("uuid", "record_no", "name", "sex", "birth_date", "village", "phone", "status")


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


def _date(value: Any) -> dt.date | None:
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


def populations_of(table: Table, tags: set[str], birth: dt.date | None,
                   on: dt.date) -> dict[str, dt.date | None]:  # fmt: skip
    """population code -> since when (None: not known, e.g. a diagnosis without a date).
    The stored tags are derived from the records (a diagnosis in personal_info or a follow-up
    of the programme's form, app.services.resident_prep.compute_tags)."""
    out: dict[str, dt.date | None] = {}
    for code, p in table.populations.items():
        if p.min_age is not None:
            if birth is not None and birthday_at(birth, p.min_age) <= on:
                out[code] = birthday_at(birth, p.min_age)
        elif code in tags:
            out[code] = None
    return out


def derive_tags(table: Table, doc: dict[str, Any], forms_present: set[str]) -> set[str]:
    """The record-derived populations (diagnosis codes in 既往史, or a form of the programme)."""
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
    day = _date(doc.get("visit_date"))
    if rule.kind != "classified_followup" or day is None:
        return None
    visit = Visit(day, doc.get("classification"), doc.get(rule["adverse_field"]))
    plain = rule_with(rule, honour_next_visit_date=False)
    d = classified_followup(plain, [visit, *earlier], day)
    return d.due, d.reason


def rule_with(rule: Rule, **changes: Any) -> Rule:
    from dataclasses import replace

    return replace(rule, params={**rule.params, **changes})


def _span(days: int) -> str:
    return f"{days // 7}周" if days % 7 == 0 else f"{days}天"


# --- reading the records: one indexed query per form


def _latest_visits(s: Any, rule: Rule, keep: int) -> dict[str, list[Visit]]:
    """resident -> their latest `keep` final visits of the rule's form, latest first. The window
    runs on the index (form, status, resident_uuid, visit_date) alone; the documents are read
    only for the rows kept."""
    adverse = rule.get("adverse_field") or "adverse_reaction"
    rows = s.execute(text(
        "SELECT r.resident_uuid, r.visit_date, json_extract(r.doc, '$.classification'), "
        f"json_extract(r.doc, '$.{adverse}'), json_extract(r.doc, '$.next_visit_date') "
        "FROM (SELECT rowid AS id, row_number() OVER (PARTITION BY resident_uuid "
        "ORDER BY visit_date DESC) AS n FROM record INDEXED BY ix_record_latest "
        "WHERE form = :form AND status = 'final' AND visit_date IS NOT NULL) AS w "
        "JOIN record AS r ON r.rowid = w.id WHERE w.n <= :keep"), {"form": rule.form, "keep": keep})
    out: dict[str, list[Visit]] = defaultdict(list)
    for uuid, visit, cls, adv, nxt in rows:
        day = _date(visit)
        if day is not None:
            out[uuid].append(Visit(day, None if cls is None else str(cls),
                                   None if adv is None else str(adv), _date(nxt)))  # fmt: skip
    for visits in out.values():
        visits.sort(key=lambda v: v.day, reverse=True)
    return out


def _last_done(s: Any, rule: Rule) -> dict[str, dt.date]:
    """resident -> the latest day the rule's item was done (its form, or another form holding
    the item's field, e.g. the self-care score on the 健康体检表)."""
    out: dict[str, dt.date] = {}
    q = text("SELECT resident_uuid, max(visit_date) FROM record INDEXED BY ix_record_latest "
             "WHERE form = :form AND status = 'final' GROUP BY resident_uuid")
    for uuid, visit in s.execute(q, {"form": rule.form}):
        if (day := _date(visit)) is not None:
            out[uuid] = day
    for extra in rule.get("also_done_by") or ():
        # Only each resident's latest record of that form is read: its document is large.
        q = text(
            "SELECT r.resident_uuid, r.visit_date FROM (SELECT max(rowid) AS id, max(visit_date) "
            "FROM record INDEXED BY ix_record_latest WHERE form = :form AND status = 'final' "
            "GROUP BY resident_uuid) AS w JOIN record AS r ON r.rowid = w.id "
            f"WHERE json_extract(r.doc, '$.{extra['field']}') IS NOT NULL")  # fmt: skip
        for uuid, visit in s.execute(q, {"form": extra["form"]}):
            day = _date(visit)
            if day is not None and (uuid not in out or out[uuid] < day):
                out[uuid] = day
    return out


def _residents(s: Any, table: Table, on: dt.date, village: str | None,
               uuids: list[str] | None = None) -> list[tuple[Any, ...]]:  # fmt: skip
    ages = [p.min_age for p in table.populations.values() if p.min_age is not None]
    where = ["status = 'active'"]
    params: dict[str, Any] = {}
    if uuids is not None:
        where.append("uuid IN (SELECT value FROM json_each(:uuids))")
        import json

        params["uuids"] = json.dumps(uuids)
    else:
        any_of = ["tags != ''"]
        if ages:  # whoever reaches the youngest age by the end of the year
            any_of.append("birth_date <= :cutoff")
            params["cutoff"] = dt.date(on.year - min(ages), 12, 31).isoformat()
        where.append("(" + " OR ".join(any_of) + ")")
    if village:
        where.append("village = :village")
        params["village"] = village
    cols = ", ".join(SUMMARY) + ", tags, created_at"
    return list(s.execute(text(f"SELECT {cols} FROM resident WHERE {' AND '.join(where)}"), params))


def compute(store: Store, *, on: dt.date | None = None, village: str | None = None,
            programme: str | None = None, uuids: list[str] | None = None,
            table: Table | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Every rule's next due item for each resident it applies to, whatever the date."""
    on = on or today()
    table = table or rules_mod.for_store(store)
    wanted = [r for r in table.rules if programme in (None, r.programme)]
    if programme and not wanted:
        raise InvalidInput.field("programme", "项目",
                                 f"未知的项目 {programme}（可用：{'、'.join(table.programmes)}）")  # fmt: skip
    items: list[dict[str, Any]] = []
    with store.session() as s:
        people = _residents(s, table, on, village, uuids)
        data: dict[str, Any] = {}
        for rule in wanted:
            if rule.kind == "classified_followup":
                data[rule.id] = _latest_visits(s, rule, max(2, rule["referral_after_uncontrolled"]))
            else:
                data[rule.id] = _last_done(s, rule)
    for row in people:
        person = dict(zip(SUMMARY, row[: len(SUMMARY)], strict=True))
        tags, created = set((row[-2] or "").split()), _date(row[-1]) or on
        member = populations_of(table, tags, _date(person["birth_date"]), on)
        for rule in wanted:
            joined = [member[p] for p in rule.populations if p in member]
            if not joined:
                continue
            since = max([created, *[d for d in joined if d is not None]])
            if rule.kind == "classified_followup":
                d = classified_followup(rule, data[rule.id].get(person["uuid"], []), since)
            else:
                why = "建档起" if since == created else "年满65岁起"
                d = interval(rule, data[rule.id].get(person["uuid"]), since, why)
            items.append(_item(person, d, on))
    return items


def _item(person: dict[str, Any], d: Due, on: dt.date) -> dict[str, Any]:
    late = (on - d.due).days
    return {"resident": person, "programme": d.programme, "rule": d.rule, "item": d.item,
            "form": d.form, "due_date": d.due.isoformat(), "overdue_days": max(late, 0),
            "reason": d.reason, "last_visit": d.last_visit.isoformat() if d.last_visit else None,
            # the desktop's names for the same (ui/due_list.py, ui/resident_view.py)
            "kind": d.form, "label": d.item, "overdue": late > 0}  # fmt: skip


def list_due(store: Store, *, start: str | None = None, until: str | None = None,
             village: str | None = None, programme: str | None = None,
             kinds: tuple[str, ...] | list[str] | None = None,
             on: dt.date | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Items due from `start` (default: any, overdue included) to `until` (default today),
    by village, date, record number. `kinds`: forms to keep."""
    on = on or today()
    lo = _check_date(start, "from", "开始日期") if start else None
    hi = _check_date(until, "to", "截止日期") if until else on
    if lo and lo > hi:
        raise InvalidInput.field("from", "开始日期", f"晚于截止日期 {hi.isoformat()}")
    items = [i for i in compute(store, on=on, village=village, programme=programme)
             if (kinds is None or i["form"] in kinds) and i["due_date"] <= hi.isoformat()
             and (lo is None or i["due_date"] >= lo.isoformat())]  # fmt: skip
    items.sort(key=lambda i: (i["resident"]["village"], i["due_date"], i["resident"]["record_no"], i["rule"]))
    return items


def _check_date(value: str, key: str, label: str) -> dt.date:
    day = _date(value)
    if day is None or len(value) != 10:
        raise InvalidInput.field(key, label, f"日期格式应为 YYYY-MM-DD，现为“{value}”")
    return day


def for_resident(store: Store, ref: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """This resident's items with their next due date, whatever the date."""
    with store.session() as s:
        uuid = refs.resident(s, ref).uuid
    return sorted(compute(store, on=on, uuids=[uuid]), key=lambda i: i["due_date"])


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The shape `cunyi due --json` prints (issue 14)."""
    r = item["resident"]
    return {"resident": {k: r[k] for k in ("uuid", "record_no", "name", "village")},
            "programme": item["programme"], "item": item["item"], "form": item["form"],
            "due_date": item["due_date"], "overdue_days": item["overdue_days"],
            "reason": item["reason"]}  # fmt: skip
