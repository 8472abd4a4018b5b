"""The county's indicators: the clinics' figures (forms/indicators.compute: the same code and
rules table as the clinics') over every resident and record the server holds, per village, per
township and for the whole county.

What the server knows differs from a clinic in two ways, both said in the notes: it has no
population figures (entered at the clinics), so 建档率 has no denominator here; and a resident's
registration date is when the server first received them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import rules
from forms.indicators import Facts, compute, year_bounds
from forms.schedule import add_months, derive_tags
from sync.server.models import Entity, Institution

NO_POPULATION = "县平台没有常住人口数（由各卫生室录入），不计算本项比率"


def _facts(s: Session, table: rules.Table, year: int, county: str) -> list[Facts]:
    start, end = year_bounds(year)
    last_day = dt.date.fromisoformat(end)
    people: dict[str, Facts] = {}
    forms_of: dict[str, set[str]] = defaultdict(set)
    docs: dict[str, dict[str, Any]] = {}
    for e in s.execute(select(Entity).where(Entity.kind == "resident", Entity.area.startswith(county))).scalars():
        d = e.data or {}
        status, left = d.get("status") or "active", d.get("status_date")
        if e.merged_into or status == "merged" or e.created_at.date() > last_day:
            continue
        if status != "active" and left and left <= end:
            continue
        try:
            age: int | None = year - dt.date.fromisoformat(d.get("birth_date") or "").year
        except ValueError:
            age = None
        docs[e.uuid] = d
        people[e.uuid] = Facts(e.uuid, d.get("record_no") or e.record_no or "", d.get("name") or "",
                               e.area, set(), age, birth=d.get("birth_date"))  # fmt: skip
    visits: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    usage = next((i for i in table.indicators if i.kind == "usage"), None)
    since = (add_months(last_day, -usage["dynamic_months"]) + dt.timedelta(days=1)).isoformat() if usage else start
    for e in s.execute(select(Entity).where(Entity.kind == "record", Entity.area.startswith(county))).scalars():
        d = e.data or {}
        uuid, form, day = e.resident_uuid, d.get("form"), d.get("visit_date")
        if uuid not in people or not form:
            continue
        forms_of[uuid].add(form)
        if isinstance(day, str) and since <= day <= end:
            people[uuid].used = True
        if isinstance(day, str) and start <= day <= end:
            visits[(uuid, form)].append(d)
        if isinstance(day, str) and day <= end:  # the children's facts (issue 15): up to 31 December
            f = people[uuid]
            if d.get("slot") is not None:
                f.slots.add((form, str(d["slot"])))
            if form not in f.first or day < f.first[form]:
                f.first[form] = day
    for uuid, f in people.items():
        f.tags = derive_tags(table, docs[uuid], forms_of[uuid])
    measured = {i["form"] for i in table.indicators if "form" in i.params}
    measured |= {form for i in table.indicators if i.kind == "child_mgmt" for form in i["forms"]}
    for (uuid, form), found in visits.items():
        f = people[uuid]
        found.sort(key=lambda d: d["visit_date"])
        if form in measured:
            f.followups[form] = len(found)
            f.last[form] = found[-1]
        for rule in table.rules:
            if rule.kind != "interval":
                continue
            if rule.form == form:
                f.done.add(rule.id)
            for extra in rule.get("also_done_by") or ():
                if extra["form"] == form and any(d.get(extra["field"]) is not None for d in found):
                    f.done.add(rule.id)
    return list(people.values())


def _figures(table: rules.Table, facts: list[Facts], year: int) -> list[dict[str, Any]]:
    # no live births either (entered at the clinics): 新生儿访视率 counts the year's registered births
    out = compute(table, facts, None, population_note=NO_POPULATION, year=year)
    return out


def county_stats(s: Session, year: int) -> dict[str, Any]:
    year_bounds(year)  # an impossible year is refused before anything is read
    area = s.execute(select(Institution.area).where(Institution.level == "county")).scalar_one_or_none()
    if area is None:
        raise LookupError("县平台数据库尚未初始化（先运行 cunyi county init）")
    county = area[:6]
    table = rules.for_area(county)
    facts = _facts(s, table, year, county)
    by_village: dict[str, list[Facts]] = defaultdict(list)
    for f in facts:
        by_village[f.village].append(f)
    names = dict(s.execute(select(Institution.area, Institution.name)).all())
    townships = []
    for township in sorted({v[:9] for v in by_village}):
        villages = sorted(v for v in by_village if v[:9] == township)
        townships.append({
            "township": township, "name": names.get(township + "000"),
            "indicators": _figures(table, [f for v in villages for f in by_village[v]], year),
            "villages": [{"village": v, "name": names.get(v), "indicators": _figures(table, by_village[v], year)}
                         for v in villages],
        })  # fmt: skip
    return {"year": year, "county": county, "indicators": _figures(table, facts, year), "townships": townships}
