"""Who is due for what, and why: the schedule rules of the installation's rules table (app/rules)
applied to the records. The rules themselves, pure and shared with the county server, are in
forms/schedule.py; this module reads the records for them.

Each item: the resident, the programme and rule, the form to fill, the due date, how many days
overdue and the reason for the date ("上次随访控制不满意，2周内复查"). Someone never seen for an item
is due from the day they were registered (or turned 65). Only active residents are listed.
The same items serve the desktop due list, `cunyi due` and the resident view.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app import roles
from app import rules as rules_mod
from app.clock import today
from app.errors import InvalidInput
from app.services import pregnancies, refs
from forms import schedule as schedule_mod

# The pure rules, here too for the callers that know them as due.* (record_warnings, tests).
from forms.schedule import (
    Due,
    TbCourse,
    Visit,
    add_months,
    birthday_at,
    classified_followup,
    day_of,
    derive_tags,
    interval,
    maternal,
    newborn_visit,
    notified_day,
    notified_visit,
    risk_followup,
    risk_visit,
    rule_date_after,
    rule_with,
    tb_end,
    tb_supervision,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.rules import Rule, Table
    from app.store import Store

__all__ = [
    "SUMMARY", "Due", "Visit", "add_months", "birthday_at", "classified_followup", "compute",
    "compute_in", "day_of", "derive_tags", "fact", "for_resident", "interval", "latest_by_resident",
    "latest_rows", "list_due", "notified_day", "where", "of_resident", "public", "rows", "shown", "rule_date_after", "rule_with",
    "visits_by_resident",
]  # fmt: skip

MATERNAL_KINDS = ("prenatal", "postpartum")  # rules on the woman's latest pregnancy
SUMMARY = ("uuid", "record_no", "name", "sex", "birth_date", "village", "phone", "status")


# --- reading the records: one indexed query per form


def rows(s: Any, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Plain tuples on the session's own connection: these queries return up to a few hundred
    thousand index entries, and SQLAlchemy's row objects would cost more than the query."""
    cur = s.connection().connection.cursor()
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def fact(field: str) -> str:
    """The expression as the index ix_record_latest holds it (a different spelling would read
    the documents instead)."""
    return f"json_extract(doc, '$.{field}')"


def where(form: str, start: str | None, end: str | None,
          uuids: list[str] | None) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """The WHERE clause (and its parameters) of the final records of `form` with a visit date
    in [start, end], of `uuids` when given."""
    return _where(form, start, end, uuids)


def _where(form: str, start: str | None, end: str | None,
           uuids: list[str] | None) -> tuple[str, dict[str, Any]]:  # fmt: skip
    where = "form = :form AND status = 'final' AND visit_date IS NOT NULL"
    params: dict[str, Any] = {"form": form}
    if start:
        where += " AND visit_date >= :start"
        params["start"] = start
    if end:
        where += " AND visit_date <= :end"
        params["end"] = end
    if uuids is not None:
        where += " AND resident_uuid IN (SELECT value FROM json_each(:uuids))"
        params["uuids"] = json.dumps(uuids)
    return where, params


def visits_by_resident(s: Any, form: str, fields: tuple[str, ...], *, start: str | None = None,
                       end: str | None = None,
                       uuids: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:  # fmt: skip
    """resident -> [(resident, visit_date, *fields)] of the final records of `form`, oldest
    first, read from the index ix_record_latest alone (its key order: resident, visit date)."""
    where, params = _where(form, start, end, uuids)
    cols = "".join(f", {fact(f)}" for f in fields)
    out: dict[str, list[tuple[Any, ...]]] = {}
    get = out.get
    # Rows arrive grouped by resident: each kept whole (uuid first), no per-row unpacking.
    for row in rows(s, f"SELECT resident_uuid, visit_date{cols} FROM record INDEXED BY "
                       f"ix_record_latest WHERE {where} ORDER BY form, status, resident_uuid, "
                       "visit_date", params):  # fmt: skip
        got = get(row[0])
        if got is None:
            out[row[0]] = [row]
        else:
            got.append(row)
    return out


def latest_rows(s: Any, form: str, fields: tuple[str, ...], *, start: str | None = None,
                end: str | None = None,
                uuids: list[str] | None = None) -> dict[str, tuple[Any, ...]]:  # fmt: skip
    """resident -> (resident, visit_date, *fields) of their latest final record of `form`: the
    latest date per resident, then that entry, both from the index alone (one row per resident
    reaches Python, not every visit)."""
    where, params = _where(form, start, end, uuids)
    cols = "".join(f", {fact(f).replace('doc', 'r.doc', 1)}" for f in fields)
    q = (f"SELECT r.resident_uuid, r.visit_date{cols} FROM (SELECT resident_uuid AS u, "
         f"max(visit_date) AS m FROM record INDEXED BY ix_record_latest WHERE {where} "
         "GROUP BY form, status, resident_uuid) AS g JOIN record AS r INDEXED BY ix_record_latest "
         "ON r.form = :form AND r.status = 'final' AND r.resident_uuid = g.u AND r.visit_date = g.m")
    return {row[0]: row for row in rows(s, q, params)}  # two on the last day: either


def latest_by_resident(s: Any, form: str, *, having: str | None = None,
                       uuids: list[str] | None = None) -> dict[str, str]:  # fmt: skip
    """resident -> the date of their latest final record of `form` (with `having`, the latest
    where that field is filled), from the index alone."""
    where, params = _where(form, None, None, uuids)
    if having:
        where += f" AND {fact(having)} IS NOT NULL"
    found = rows(s, f"SELECT resident_uuid, max(visit_date) FROM record INDEXED BY "
                    f"ix_record_latest WHERE {where} GROUP BY form, status, resident_uuid", params)  # fmt: skip
    return dict(found)


def _visit(row: tuple[Any, ...]) -> Visit | None:
    _uuid, visit, cls, adv, nxt = row
    day = day_of(visit)
    if day is None:
        return None
    return Visit(day, None if cls is None else str(cls), None if adv is None else str(adv), day_of(nxt))


def _latest_visits(s: Any, rule: Rule, keep: int,
                   uuids: list[str] | None = None) -> dict[str, list[Visit]]:  # fmt: skip
    """resident -> their latest final visits of the rule's form, latest first: the last one,
    and up to `keep` when it was 控制不满意 (a run of them means referral)."""
    fields = ("classification", rule.get("adverse_field") or "adverse_reaction", "next_visit_date")
    out: dict[str, list[Visit]] = {}
    runs = []
    for uuid, row in latest_rows(s, rule.form, fields, uuids=uuids).items():
        v = _visit(row)
        if v is not None:
            out[uuid] = [v]
            if v.classification in rule["uncontrolled_classes"]:
                runs.append(uuid)
    if runs and keep > 1:
        for uuid, visits in visits_by_resident(s, rule.form, fields, uuids=runs).items():
            kept = [v for row in reversed(visits[-keep:]) if (v := _visit(row)) is not None]
            if kept:
                out[uuid] = kept
    return out


def _last_done(s: Any, rule: Rule, uuids: list[str] | None = None) -> dict[str, dt.date]:
    """resident -> the latest day the rule's item was done (its form, or another form holding
    the item's field, e.g. the self-care assessment on the 健康体检表)."""
    out: dict[str, dt.date] = {}
    for uuid, visit in latest_by_resident(s, rule.form, uuids=uuids).items():
        if (day := day_of(visit)) is not None:
            out[uuid] = day
    for extra in rule.get("also_done_by") or ():
        for uuid, visit in latest_by_resident(s, extra["form"], having=extra["field"], uuids=uuids).items():
            day = day_of(visit)
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
    # The key populations of a whole clinic from ix_resident_summary alone (no document read).
    hint = "" if uuids is not None else " INDEXED BY ix_resident_summary"
    return rows(s, f"SELECT {cols} FROM resident{hint} WHERE {' AND '.join(where)}", params)


def _age_cutoff(on: dt.date, age: int) -> str:
    """The latest birth date (ISO text) of someone `age` or older on `on`: birth dates compare
    as text, so membership needs no date parsing per resident. Born 29 February: 28 February
    counts as the birthday in other years (birthday_at)."""
    if (on.month, on.day) == (2, 28) and not _leap(on.year):
        return f"{on.year - age:04d}-02-29"
    return f"{on.year - age:04d}-{on.month:02d}-{on.day:02d}"


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def compute(store: Store, *, on: dt.date | None = None, village: str | None = None,
            programme: str | None = None, uuids: list[str] | None = None,
            table: Table | None = None, until: dt.date | None = None,
            start: dt.date | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Every rule's next due item for each resident it applies to, due between `start` and
    `until` (default: whatever the date)."""
    on = on or today()
    table = table or rules_mod.for_store(store)
    wanted = [r for r in table.rules if programme in (None, r.programme)]
    if programme and not wanted:
        raise InvalidInput.field("programme", "项目",
                                 f"未知的项目 {programme}（可用：{'、'.join(table.programmes)}）")  # fmt: skip
    with store.session() as s:
        return compute_in(s, table, wanted, on=on, village=village, uuids=uuids, until=until,
                          start=start)  # fmt: skip


def compute_in(s: Session, table: Table, wanted: list[Rule], *, on: dt.date,
               village: str | None = None, uuids: list[str] | None = None,
               until: dt.date | None = None, start: dt.date | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """compute() in the caller's transaction (the resident screen reads everything in one)."""
    lo, hi = start or dt.date.min, until or dt.date.max
    by_child_age = [r for r in wanted if r.kind in CHILD_KINDS]
    items = _child_items(s, table, by_child_age, on, village, uuids, lo, hi) if by_child_age else []
    wanted = [r for r in wanted if r.kind not in CHILD_KINDS]
    if not wanted:
        return items
    people = _residents(s, table, on, village, uuids)
    data: dict[str, Any] = {}
    pregnant: dict[str, Any] | None = None
    for rule in wanted:
        if rule.kind == "classified_followup":
            data[rule.id] = _latest_visits(s, rule, max(2, rule["referral_after_uncontrolled"]), uuids)
        elif rule.kind in MATERNAL_KINDS:  # the woman's latest pregnancy, read once for the rules
            if pregnant is None:  # what is due from it, kept as each woman's is read
                since = on - dt.timedelta(days=schedule_mod.MATERNAL_LOOKBACK_DAYS)
                mrules = [r for r in wanted if r.kind in MATERNAL_KINDS]
                pregnant = {}
                for uuid, ep in pregnancies.latest_episodes(s, uuids, active_since=since):
                    dues = {r.id: m for r in mrules if (m := maternal(r, ep, on)) is not None}
                    if dues:
                        pregnant[uuid] = dues
            data[rule.id] = pregnant
        elif rule.kind == "risk_followup":
            data[rule.id] = _risk_visits(s, rule, uuids)
        elif rule.kind in ("tb_supervision", "tb_end"):
            data[rule.id] = _tb_courses(s, rule, uuids)
        elif rule.kind == "notified_visit":
            data[rule.id] = {}  # not by population: the notified residents are read on their own
            items += _notified_items(s, rule, on, village, uuids, start, until)
        else:
            data[rule.id] = _last_done(s, rule, uuids)
    # Per resident and rule this runs tens of thousands of times: membership by text compare,
    # the dates parsed only when needed, an item built only when it falls in the window.
    by_age = [(c, p.min_age, _age_cutoff(on, p.min_age)) for c, p in table.populations.items()
              if p.min_age is not None]  # fmt: skip
    by_tag = [c for c, p in table.populations.items() if p.min_age is None]
    plan = [(rule, set(rule.populations), data[rule.id], rule.kind == "classified_followup")
            for rule in wanted if rule.kind != "notified_visit"]  # fmt: skip
    kinds = {rule.id: rule.kind for rule in wanted}
    lo, hi = start or dt.date.min, until or dt.date.max
    n = len(SUMMARY)
    for row in people:
        tags, birth = row[-2] or "", row[4] or ""
        member = set(tags.split()).intersection(by_tag) if tags else set()
        aged = {c: age for c, age, cutoff in by_age if birth and birth <= cutoff}
        member |= aged.keys()
        if not member:
            continue
        person = None
        uuid = row[0]
        for rule, pops, found, classified in plan:
            if not pops & member:
                continue
            got = found.get(uuid)
            if kinds[rule.id] in MATERNAL_KINDS:
                m = got.get(rule.id) if got else None  # maternal(rule, her latest pregnancy, on)
                if m is None or not lo <= m.due <= hi:
                    continue
                if person is None:
                    person = dict(zip(SUMMARY, row[:n], strict=True))
                items.append(_item(person, m, on))
                continue
            d: Due | None
            if classified:
                since = _since(row, aged, pops, on) if not got else on
                d = classified_followup(rule, got or [], since)
            elif rule.kind in OWN_KINDS:
                d = _own_rule(rule, got, row, aged, pops, on)
            else:
                since = _since(row, aged, pops, on) if got is None else on
                why = "年满65岁起" if got is None and since != (day_of(row[-1]) or on) else "建档起"
                d = interval(rule, got, since, why)
                if rule.get("offered_with"):
                    d = replace(d, reason=f"{d.reason}；与{table.rule(rule['offered_with']).item}一并提供")
            if d is None or not lo <= d.due <= hi:
                continue
            if person is None:
                person = dict(zip(SUMMARY, row[:n], strict=True))
            items.append(_item(person, d, on))
    return items


# --- 严重精神障碍 and 肺结核 (issue 16)

OWN_KINDS = ("risk_followup", "tb_supervision", "tb_end")


def _own_rule(rule: Rule, got: Any, row: Any, aged: dict[str, int], pops: set[str], on: dt.date) -> Due | None:
    if rule.kind == "risk_followup":
        return risk_followup(rule, got, _since(row, aged, pops, on) if got is None else on)
    if got is None:
        return None
    return tb_supervision(rule, got) if rule.kind == "tb_supervision" else tb_end(rule, got)


def _risk_visits(s: Any, rule: Rule, uuids: list[str] | None) -> dict[str, Any]:
    """resident -> their latest 严重精神障碍 follow-up (RiskVisit)."""
    keys = ("classification", rule["risk_field"], rule["referral_field"], rule["lost_field"],
            rule["death_field"], "next_visit_date")  # fmt: skip
    out = {}
    for uuid, row in latest_rows(s, rule.form, keys, uuids=uuids).items():
        day = day_of(row[1])
        if day is not None:
            out[uuid] = risk_visit(rule, day, dict(zip(keys, row[2:], strict=True)))
    return out


def _tb_courses(s: Any, rule: Rule, uuids: list[str] | None) -> dict[str, TbCourse]:
    """resident -> their TB course: the latest first home visit, the latest follow-up, and
    whether a 停止治疗 was recorded since that first visit."""
    keys = (rule["type_field"], "supervisor", "next_visit_date")
    first = latest_rows(s, rule["first_form"], keys, uuids=uuids)
    later = latest_rows(s, rule.form, ("supervisor", "next_visit_date"), uuids=uuids)
    stops = latest_by_resident(s, rule.form, having=rule["stop_field"], uuids=uuids)
    out = {}
    for uuid in first.keys() | later.keys():
        f, v = first.get(uuid), later.get(uuid)
        f_day = day_of(f[1]) if f else None
        v_day = day_of(v[1]) if v else None
        latest = v if v_day is not None and (f_day is None or v_day >= f_day) else f
        if f is not None and latest is f:
            sup, nxt = f[3], f[4]
        else:
            sup, nxt = (latest[2], latest[3]) if latest else (None, None)
        stop = day_of(stops.get(uuid))
        out[uuid] = TbCourse(f_day, None if f is None or f[2] is None else str(f[2]),
                             max(d for d in (f_day, v_day) if d is not None) if (f_day or v_day) else None,
                             None if sup is None else str(sup), day_of(nxt),
                             stop is not None and (f_day is None or stop >= f_day))  # fmt: skip
    return out


def _notified_items(s: Any, rule: Rule, on: dt.date, village: str | None, uuids: list[str] | None,
                    start: dt.date | None, until: dt.date | None) -> list[dict[str, Any]]:  # fmt: skip
    """The residents notified with the rule's 既往史 code (确诊时间) and not visited since."""
    where = ["r.status = 'active'", "CAST(json_extract(p.value, '$.code') AS TEXT) = :code",
             "json_extract(p.value, '$.diagnosed') IS NOT NULL"]  # fmt: skip
    params: dict[str, Any] = {"code": rule["diagnosis_code"]}
    if uuids is not None:
        where.append("r.uuid IN (SELECT value FROM json_each(:uuids))")
        params["uuids"] = json.dumps(uuids)
    if village:
        where.append("r.village = :village")
        params["village"] = village
    cols = ", ".join(f"r.{c}" for c in SUMMARY)
    found = rows(s, f"SELECT {cols}, json_extract(p.value, '$.diagnosed') FROM resident AS r, "
                    f"json_each(r.doc, '$.past_diseases') AS p WHERE {' AND '.join(where)}", params)  # fmt: skip
    if not found:
        return []
    notified: dict[str, tuple[Any, dt.date]] = {}
    for row in found:
        day = notified_day({"past_diseases": [{"code": rule["diagnosis_code"], "diagnosed": row[-1]}]},
                           rule["diagnosis_code"])  # fmt: skip
        if day is not None and (row[0] not in notified or notified[row[0]][1] < day):
            notified[row[0]] = (row, day)
    firsts = latest_by_resident(s, rule.form, uuids=list(notified))
    lo, hi = start or dt.date.min, until or dt.date.max
    out = []
    for uuid, (row, day) in notified.items():
        d = notified_visit(rule, day, day_of(firsts.get(uuid)), on)
        if d is not None and lo <= d.due <= hi:
            out.append(_item(dict(zip(SUMMARY, row[: len(SUMMARY)], strict=True)), d, on))
    return out
CHILD_KINDS = ("age_slots", "newborn_visit")


def _child_items(s: Any, table: Table, wanted: list[Rule], on: dt.date, village: str | None,
                 uuids: list[str] | None, lo: dt.date, hi: dt.date) -> list[dict[str, Any]]:  # fmt: skip
    """The children's rules (issue 15): slots by age, done by a final record of the slot's form
    with that `slot` (and the rule's `field` filled); the newborn visit from the discharge date
    on the mother's postpartum record whose delivery date is the birth date, else the birth."""
    ages = [p.max_age for c, p in table.populations.items() if p.max_age is not None
            and any(c in r.populations for r in wanted)]  # fmt: skip
    oldest = max(ages) if ages else 6
    cutoff = dt.date(on.year - oldest - 1, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    where = ["status = 'active'", "birth_date > :cutoff", "birth_date <= :on"]
    params: dict[str, Any] = {"cutoff": cutoff.isoformat(), "on": on.isoformat()}
    if uuids is not None:
        where.append("uuid IN (SELECT value FROM json_each(:uuids))")
        params["uuids"] = json.dumps(uuids)
    if village:
        where.append("village = :village")
        params["village"] = village
    cols = ", ".join(SUMMARY) + ", mother_uuid"
    people = rows(s, f"SELECT {cols} FROM resident WHERE {' AND '.join(where)}", params)
    if not people:
        return []
    last = _last_slots(s, [r for r in wanted if r.kind == "age_slots"], on, uuids)
    n = len(SUMMARY)
    items: list[dict[str, Any]] = []
    for rule in wanted:
        if rule.kind == "newborn_visit":
            young = [p for p in people if (b := day_of(p[4])) and (on - b).days <= rule["until_days"]]
            if not young:
                continue
            ids = [p[0] for p in young]
            visited = latest_by_resident(s, rule.form, uuids=ids)
            discharge = _discharges(s, rule, [p for p in young if p[0] not in visited])
            for row in young:
                birth = day_of(row[4])
                assert birth is not None
                d = newborn_visit(rule, birth, discharge.get(row[0]), day_of(visited.get(row[0])), on)
                if d is not None and lo <= d.due <= hi:
                    items.append(_item(dict(zip(SUMMARY, row[:n], strict=True)), d, on))
            continue
        done_here = last[rule.id]
        # birth date -> its calendar (None: past the rule's last slot); (birth date, last slot
        # done) -> the item: children born the same day share both
        calendar: dict[str, schedule_mod.Calendar | None] = {}
        found: dict[tuple[str, int], Due | None] = {}
        for row in people:
            key = (row[4], done_here.get(row[0], -1))
            if key in found:
                d = found[key]
            else:
                if row[4] in calendar:
                    cal = calendar[row[4]]
                else:
                    birth = day_of(row[4])
                    cal = calendar[row[4]] = schedule_mod.Calendar(rule, birth) if birth else None
                    if cal is not None and cal.last_until() < on:
                        cal = calendar[row[4]] = None  # past the rule's last slot: nothing left
                d = found[key] = cal.next_due(key[1], on) if cal is not None else None
            if d is not None and lo <= d.due <= hi:
                items.append(_item(dict(zip(SUMMARY, row[:n], strict=True)), d, on))
    return items


# The separator of the slots one query lists per child (a `slot` is a code such as "6" or "72").
_SEP = "\x1f"


def _last_slots(s: Any, rules: list[Rule], on: dt.date,
                uuids: list[str] | None) -> dict[str, dict[str, int]]:  # fmt: skip
    """rule -> child -> the last of the rule's slots done (its place in age order, as
    age_slots finds it): by a final record up to `on` of the slot's form with that `slot`
    (and the rule's `field` filled). Each form read once from ix_record_latest alone (slot,
    hemoglobin and hearing are in it since migration 0013), one row per child: the slots of
    its records listed by SQLite."""
    numbers = {rule.id: schedule_mod.slot_numbers(rule) for rule in rules}
    last: dict[str, dict[str, int]] = {rule.id: {} for rule in rules}
    forms = list(dict.fromkeys(form for rule in rules for form in numbers[rule.id]))
    slot = f"ifnull({fact('slot')}, 'None')"  # str(None), as a record without a slot was read
    for form in forms:
        users = [r for r in rules if form in numbers[r.id]]
        fields = list(dict.fromkeys(r.get("field") for r in users))
        cols = ", ".join(f"group_concat({slot}, char(31))" if f is None else
                         f"group_concat(CASE WHEN {fact(f)} IS NOT NULL THEN {slot} END, char(31))"
                         for f in fields)  # fmt: skip
        plan = [(1 + fields.index(r.get("field")), numbers[r.id][form], last[r.id]) for r in users]
        w, p = _where(form, None, on.isoformat(), uuids)
        for row in rows(s, f"SELECT resident_uuid, {cols} FROM record INDEXED BY ix_record_latest "
                           f"WHERE {w} GROUP BY form, status, resident_uuid", p):  # fmt: skip
            uuid = row[0]
            for col, number, got in plan:
                listed = row[col]
                if listed is None:
                    continue
                best = got.get(uuid, -1)
                for one in listed.split(_SEP):
                    i = number.get(one, -1)
                    if i > best:
                        best = i
                if best >= 0:
                    got[uuid] = best
    return last


def _discharges(s: Any, rule: Rule, young: list[tuple[Any, ...]]) -> dict[str, dt.date]:
    """child -> the discharge date on its mother's record of `discharge_from` whose delivery
    date is the child's birth date."""
    src = rule.get("discharge_from")
    mothers = {row[-1] for row in young if row[-1]}
    if not src or not mothers:
        return {}
    w, p = _where(src["form"], None, None, sorted(mothers))
    found: dict[tuple[str, str], dt.date] = {}
    for mother, delivered, discharged in rows(
        s, f"SELECT resident_uuid, {fact(src['match'])}, {fact(src['field'])} FROM record WHERE {w}", p
    ):
        day = day_of(discharged)
        if day is not None and delivered:
            found[(mother, str(delivered)[:10])] = day
    return {row[0]: found[(row[-1], row[4])] for row in young if (row[-1], row[4]) in found}


def _since(row: Any, aged: dict[str, int], pops: set[str], on: dt.date) -> dt.date:
    """Since when the resident is in the rule's populations: registration, or reaching the age."""
    created = day_of(row[-1]) or on
    birth = day_of(row[4])
    days = [birthday_at(birth, age) for c, age in aged.items() if c in pops and birth is not None]
    return max([created, *days])


def _item(person: dict[str, Any], d: Due, on: dt.date) -> dict[str, Any]:
    late = (on - (d.deadline or d.due)).days
    return {"resident": person, "programme": d.programme, "rule": d.rule, "item": d.item,
            "form": d.form, "due_date": d.due.isoformat(), "overdue_days": max(late, 0),
            "reason": d.reason, "last_visit": d.last_visit.isoformat() if d.last_visit else None,
            # the desktop's names for the same (ui/due_list.py, ui/resident_view.py)
            "kind": d.form, "label": d.item, "overdue": late > 0,
            "deadline": d.deadline.isoformat() if d.deadline else None}  # fmt: skip


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
    if programme in roles.SENSITIVE_PROGRAMMES:
        roles.require(store, "sensitive_programmes")
    items = [i for i in shown(store, compute(store, on=on, village=village, programme=programme,
                                             until=hi, start=lo))
             if kinds is None or i["form"] in kinds]  # fmt: skip
    items.sort(key=lambda i: (i["resident"]["village"], i["due_date"], i["resident"]["record_no"], i["rule"]))
    return items


def _check_date(value: str, key: str, label: str) -> dt.date:
    day = day_of(value)
    if day is None or len(value) != 10:
        raise InvalidInput.field(key, label, f"日期格式应为 YYYY-MM-DD，现为“{value}”")
    return day


def of_resident(store: Store, s: Session, uuid: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """for_resident in the caller's transaction."""
    table = rules_mod.for_store(store)
    items = compute_in(s, table, list(table.rules), on=on or today(), uuids=[uuid])
    return sorted(items, key=lambda i: i["due_date"])


def for_resident(store: Store, ref: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """This resident's items with their next due date, whatever the date."""
    with store.session() as s:
        uuid = refs.resident(s, ref).uuid
    return sorted(shown(store, compute(store, on=on, uuids=[uuid])), key=lambda i: i["due_date"])


def shown(store: Store, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the user may see: 严重精神障碍 and 肺结核 only for the roles that may (issue 16)."""
    if roles.sees_sensitive(store):
        return items
    return [i for i in items if i["programme"] not in roles.SENSITIVE_PROGRAMMES]


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The shape `cunyi due --json` prints (issue 14)."""
    r = item["resident"]
    return {"resident": {k: r[k] for k in ("uuid", "record_no", "name", "village")},
            "programme": item["programme"], "item": item["item"], "form": item["form"],
            "due_date": item["due_date"], "overdue_days": item["overdue_days"],
            "reason": item["reason"]}  # fmt: skip
