"""The indicators the county appraises (filing, usage, HTN/DM management and control, elderly
management) for a year, per village or for the whole institution, with the residents behind
every number. What counts lives in the rules table (forms/rules, "indicators").

Two halves: `facts_*` read, per resident, what the indicators need (from this clinic's SQLite
here; the county server reads the same facts from PostgreSQL), and `compute` (forms/indicators.py)
is pure: facts in, indicators out, so clinic and county figures come from the same code.

Choices where the reference is unconfirmed ([U], standard-forms.md §4.2), all in the table:
- the residents of a year: registered by 31 December and not left (moved, deceased, merged)
  by then;
- 建档 and 电子建档 count the same: every record kept here is electronic and holds the cover
  and the 个人基本信息表 (paper-only records are not in the program to count);
- a "dynamic" record (usage_rate) has a final service record in the last `dynamic_months`;
- the managed HTN/DM patients: the residents of the year in the population (a diagnosis in
  personal_info or a follow-up); 规范管理 = `min_followups` final follow-ups and the annual
  exam in the year; controlled = the year's last follow-up below the thresholds, a patient
  without a follow-up in the year counting as not controlled;
- the elderly: 65 by 31 December; managed = every rule in `requires` done in the year;
- the maternal indicators count the pregnancies delivered in the year (forms/pregnancy.py) over
  the year's live births as entered per village (app/services/births.py: the same figure the
  newborn visit rate uses), or over the recorded deliveries when none is entered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from app import roles
from app import rules as rules_mod
from app.errors import InvalidInput
from app.services import births as births_mod
from app.services import population as population_mod
from app.services import pregnancies
from app.services.due import fact, latest_rows, rows
from app.services.due import where as due_where
from forms import indicators as shared
from forms.indicators import Facts, compute
from forms.schedule import add_months

if TYPE_CHECKING:
    from app.rules import Table
    from app.store import Store

__all__ = ["Facts", "compute", "facts_local", "stats", "year_bounds"]


def year_bounds(year: int) -> tuple[str, str]:
    """The first and last day of `year`; a year out of range is refused as bad input."""
    try:
        return shared.year_bounds(year)
    except shared.BadYear as e:
        raise InvalidInput(e.error) from e


# --- reading this clinic's facts


def facts_local(store: Store, table: Table, year: int, village: str | None = None) -> list[Facts]:
    start, end = year_bounds(year)
    params: dict[str, Any] = {"end": end, "start": start}
    where = ("substr(created_at, 1, 10) <= :end AND status != 'merged' AND "
             "(status = 'active' OR status_date IS NULL OR status_date > :end)")  # fmt: skip
    if village:
        where += " AND village = :village"
        params["village"] = village
    people: dict[str, Facts] = {}
    with store.session() as s:
        found = rows(s, "SELECT uuid, record_no, name, village, tags, birth_date FROM resident "
                        f"INDEXED BY ix_resident_summary WHERE {where}", params)  # index only
        for uuid, record_no, name, vil, tags, birth in found:
            try:  # the age on 31 December: every birthday of the year has passed
                age: int | None = year - dt.date.fromisoformat(birth).year
            except (TypeError, ValueError):
                age = None
            people[uuid] = Facts(uuid, record_no, name, vil, set((tags or "").split()), age, birth=birth)
        _read_records(s, table, people, start, end)
        if any(i.kind == "maternal" for i in table.indicators):
            # a delivery in the year is on a record made in the year or later
            for uuid, eps in pregnancies.by_resident(s, active_since=dt.date.fromisoformat(start)).items():
                if uuid in people:
                    people[uuid].deliveries = shared.delivered_in(eps, start, end)
        _read_children(s, table, people, year, start, end)
    return list(people.values())


def _read_records(s: Any, table: Table, people: dict[str, Facts], start: str, end: str) -> None:
    """Each query reads the index ix_record_latest alone (the visit dates and the fields the
    indicators test are in it), never a document."""
    usage = next((i for i in table.indicators if i.kind == "usage"), None)
    if usage is not None:
        since = (add_months(dt.date.fromisoformat(end), -usage["dynamic_months"])
                 + dt.timedelta(days=1)).isoformat()  # fmt: skip
        for (uuid,) in rows(s, "SELECT DISTINCT resident_uuid FROM record INDEXED BY ix_record_latest "
                               "WHERE status = 'final' AND visit_date BETWEEN :a AND :b",
                            {"a": since, "b": end}):  # fmt: skip
            if uuid in people:
                people[uuid].used = True
    measured: dict[str, set[str]] = defaultdict(set)
    for ind in table.indicators:
        if ind.kind == "bp_control":
            measured[ind["form"]] |= {"sbp", "dbp"}
        elif ind.kind == "glucose_control":
            measured[ind["form"]].add(ind["field"])
        elif ind.kind == "standard_mgmt":
            measured[ind["form"]] |= set()
        elif ind.kind == "last_value":
            measured[ind["form"]].add(ind["field"])
        elif ind.kind == "regular_medication":
            measured[ind["form"]] |= {ind["stop_field"], ind["rate_field"]}
        elif ind.kind == "notified_mgmt":
            for form in ind["forms"]:
                measured[form] |= set()
            _read_notified(s, ind["diagnosis_code"], people, start, end)
    for form, keys in measured.items():
        names = tuple(sorted(keys))
        for uuid, n in _per_resident(s, form, start, end):
            if uuid in people:
                people[uuid].followups[form] = n
        if names:
            for uuid, row in latest_rows(s, form, names, start=start, end=end).items():
                if uuid in people:
                    people[uuid].last[form] = dict(zip(names, row[2:], strict=True))
    for rule in table.rules:
        if rule.kind != "interval":
            continue
        for uuid, _n in _per_resident(s, rule.form, start, end):
            if uuid in people:
                people[uuid].done.add(rule.id)
        for extra in rule.get("also_done_by") or ():
            for uuid, _n in _per_resident(s, extra["form"], start, end, having=extra["field"]):
                if uuid in people:
                    people[uuid].done.add(rule.id)


def _read_notified(s: Any, code: str, people: dict[str, Facts], start: str, end: str) -> None:
    """Facts.notified: the residents whose 既往史 `code` was 确诊 in the year (reads the
    documents of those with such an entry: few)."""
    found = rows(s, "SELECT r.uuid, json_extract(p.value, '$.diagnosed') FROM resident AS r, "
                    "json_each(r.doc, '$.past_diseases') AS p WHERE CAST(json_extract(p.value, "
                    "'$.code') AS TEXT) = :code AND json_extract(p.value, '$.diagnosed') IS NOT NULL",
                 {"code": code})  # fmt: skip
    for uuid, diagnosed in found:
        if uuid in people:
            doc = {"past_diseases": [{"code": code, "diagnosed": diagnosed}]}
            people[uuid].notified |= shared.notified_in(doc, [code], start, end)
def _read_children(s: Any, table: Table, people: dict[str, Facts], year: int, start: str, end: str) -> None:
    """The children's facts (issue 15), for the children only (born within 7 years of the year's
    end): records of the counted forms in the year, the first newborn visit, the check slots."""
    kids = [f.uuid for f in people.values() if f.birth and f.birth[:4] >= str(year - 7)]
    if not kids:
        return
    in_year: set[str] = set()
    for ind in table.indicators:
        if ind.kind == "child_mgmt":
            in_year |= set(ind["forms"])
        elif ind.kind == "newborn_visit":
            for uuid, (first,) in _first_visits(s, ind["form"], end, kids).items():
                people[uuid].first[ind["form"]] = first
        elif ind.kind == "child_sys_mgmt":
            rule = table.rule(ind["rule"])
            for form in {sl.get("form", rule.form) for sl in rule["slots"]}:
                w, p = due_where(form, None, end, kids)
                for uuid, slot in rows(s, f"SELECT resident_uuid, {fact('slot')} FROM record WHERE {w}", p):
                    people[uuid].slots.add((form, str(slot)))
    for form in in_year:
        for uuid, n in _per_resident(s, form, start, end):
            if uuid in people:
                people[uuid].followups[form] = n


def _first_visits(s: Any, form: str, end: str, uuids: list[str]) -> dict[str, tuple[str]]:
    w, p = due_where(form, None, end, uuids)
    return {u: (v,) for u, v in rows(s, f"SELECT resident_uuid, min(visit_date) FROM record WHERE {w} "
                                        "GROUP BY resident_uuid", p)}  # fmt: skip


def _per_resident(s: Any, form: str, start: str, end: str,
                  having: str | None = None) -> list[tuple[str, int]]:  # fmt: skip
    """(resident, final records of `form` in the period [with `having` filled]), index only."""
    extra = f" AND {fact(having)} IS NOT NULL" if having else ""
    return rows(s, "SELECT resident_uuid, count(*) FROM record INDEXED BY ix_record_latest "
                   "WHERE form = :f AND status = 'final' AND visit_date BETWEEN :a AND :b"
                   f"{extra} GROUP BY form, status, resident_uuid", {"f": form, "a": start, "b": end})  # fmt: skip


def stats(store: Store, year: int, village: str | None = None, *,
          detail: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    table = rules_mod.for_store(store)
    facts = facts_local(store, table, year, village)
    count, note = population_mod.total(store, year, village, [f.village for f in facts])
    births = births_mod.total(store, year, village)
    if births is not None:
        births_note = f"分母为录入的{year}年活产数"
    else:
        births_note = (f"未录入{year}年活产数（统计指标 → 活产数…，或 cunyi births set），"
                       "分母为年内记录的分娩数")  # fmt: skip
    items = compute(table, facts, count, detail=detail, population_note=note, year=year, births=births,
                    births_note=births_note)  # fmt: skip
    if detail and not roles.sees_sensitive(store):
        # 严重精神障碍 / 肺结核: the counts for everyone, the residents behind them only for
        # the roles that may see those programmes (issue 16)
        hidden = {i.code for i in table.indicators if i.get("population") in roles.SENSITIVE_TAGS}
        for item in items:
            if item["code"] in hidden:
                item["numerator_residents"] = item["denominator_residents"] = None
                item["detail_hidden"] = roles.refusal("sensitive_programmes")
    if village is None:  # the clinic's own activities: an institution's figure, not a village's
        from app.services import activities

        items += activities.figures(store, table, year)
    return items
