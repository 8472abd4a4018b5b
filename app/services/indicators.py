"""The indicators the county appraises (filing, usage, HTN/DM management and control, elderly
management) for a year, per village or for the whole institution, with the residents behind
every number. What counts lives in the rules table (app/rules, "indicators").

Two halves: `facts_*` read, per resident, what the indicators need (from this clinic's SQLite
here; the county server reads the same facts from PostgreSQL), and `compute` is pure: facts in,
indicators out, so clinic and county figures come from the same code.

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
- the elderly: 65 by 31 December; managed = every rule in `requires` done in the year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app import rules as rules_mod
from app.errors import InvalidInput
from app.services import population as population_mod
from app.services.due import add_months, fact, latest_rows, rows

if TYPE_CHECKING:
    from app.rules import Indicator, Table
    from app.store import Store


@dataclass(slots=True)
class Facts:
    """One resident of the year, as the indicators see them."""

    uuid: str
    record_no: str
    name: str
    village: str
    tags: set[str]
    age: int | None  # on 31 December of the year
    used: bool = False  # a final record in the usage window
    followups: dict[str, int] = field(default_factory=dict)  # form -> final visits in the year
    last: dict[str, dict[str, Any]] = field(default_factory=dict)  # form -> last visit's values
    done: set[str] = field(default_factory=set)  # rule ids done in the year (exam, self-care)

    def ref(self) -> dict[str, str]:
        return {"uuid": self.uuid, "record_no": self.record_no, "name": self.name}


def year_bounds(year: int) -> tuple[str, str]:
    if not 1990 <= year <= 2200:
        raise InvalidInput.field("year", "年度", f"须为1990–2200之间的年份，现为 {year}")
    return f"{year}-01-01", f"{year}-12-31"


# --- pure: facts in, indicators out


def _rate(num: int, den: int | None) -> float | None:
    return round(100 * num / den, 1) if den else None


def _controlled(ind: Indicator, values: dict[str, Any] | None, age: int | None) -> bool:
    if not values:
        return False  # lost to follow-up in the year: not controlled
    if ind.kind == "bp_control":
        sbp, dbp = values.get("sbp"), values.get("dbp")
        if sbp is None or dbp is None:
            return False
        elderly = age is not None and age >= ind["elderly_age"]
        return sbp < (ind["elderly_sbp_below"] if elderly else ind["sbp_below"]) and dbp < ind["dbp_below"]
    value = values.get(ind["field"])
    return value is not None and float(value) < ind["below"]


def compute(table: Table, facts: Iterable[Facts], population: int | None, *,
            detail: bool = False, population_note: str = "") -> list[dict[str, Any]]:  # fmt: skip
    people = list(facts)
    out = []
    for ind in table.indicators:
        den_people: list[Facts] | None
        if ind.kind == "filing":
            num_people = people
            den_people, den = None, population
            note = population_note or "分母为录入的常住人口数"
        elif ind.kind == "usage":
            den_people = people
            num_people = [f for f in people if f.used]
            note = f"有动态记录：近{ind['dynamic_months']}个月内有定稿的服务记录"
        elif ind.kind == "standard_mgmt":
            den_people = [f for f in people if ind["population"] in f.tags]
            exam = next((r.id for r in table.rules if r.form == ind["exam_form"]), ind["exam_form"])
            num_people = [f for f in den_people
                          if f.followups.get(ind["form"], 0) >= ind["min_followups"] and exam in f.done]  # fmt: skip
            note = f"规范管理：年内随访≥{ind['min_followups']}次且完成年度健康体检"
        elif ind.kind in ("bp_control", "glucose_control"):
            den_people = [f for f in people if ind["population"] in f.tags]
            num_people = [f for f in den_people if _controlled(ind, f.last.get(ind["form"]), f.age)]
            if ind.kind == "bp_control":
                note = (f"年内最后一次随访血压<{ind['sbp_below']}/{ind['dbp_below']}mmHg"
                        f"（{ind['elderly_age']}岁及以上<{ind['elderly_sbp_below']}/{ind['dbp_below']}）；"
                        f"年内未随访按未控制计")  # fmt: skip
            else:
                note = f"年内最后一次随访空腹血糖<{ind['below']}mmol/L；年内未随访按未控制计"
        else:  # elderly_mgmt
            age = table.populations[ind["population"]].min_age or 65
            den_people = [f for f in people if f.age is not None and f.age >= age]
            num_people = [f for f in den_people if set(ind["requires"]) <= f.done]
            names = "、".join(table.rule(r).item for r in ind["requires"])
            note = f"{age}岁及以上（按12月31日计）；年内完成{names}"
        den = len(den_people) if den_people is not None else population
        item: dict[str, Any] = {"code": ind.code, "name": ind.name, "numerator": len(num_people),
                                "denominator": den, "rate": _rate(len(num_people), den), "note": note}  # fmt: skip
        if detail:
            item["numerator_residents"] = [f.ref() for f in num_people]
            item["denominator_residents"] = None if den_people is None else [f.ref() for f in den_people]
        out.append(item)
    return out


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
            people[uuid] = Facts(uuid, record_no, name, vil, set((tags or "").split()), age)
        _read_records(s, table, people, start, end)
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
    return compute(table, facts, count, detail=detail, population_note=note)
