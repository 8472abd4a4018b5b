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

from forms import pregnancy, rules
from forms.indicators import (
    Activity,
    Facts,
    activity_figures,
    combined_activity_figures,
    compute,
    delivered_in,
    notified_in,
    year_bounds,
)
from forms.schedule import add_months, derive_tags
from sync.server.models import Entity, Institution

NO_POPULATION = "县平台没有常住人口数（由各卫生室录入），不计算本项比率"
NO_BIRTHS = "县平台没有录入的活产数，分母为年内记录的分娩数"


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
    maternal: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    usage = next((i for i in table.indicators if i.kind == "usage"), None)
    since = (add_months(last_day, -usage["dynamic_months"]) + dt.timedelta(days=1)).isoformat() if usage else start
    for e in s.execute(select(Entity).where(Entity.kind == "record", Entity.area.startswith(county))).scalars():
        d = e.data or {}
        uuid, form, day = e.resident_uuid, d.get("form"), d.get("visit_date")
        if uuid not in people or not form:
            continue
        forms_of[uuid].add(form)
        if form in pregnancy.FORMS:
            maternal[uuid].append((e.uuid, form, d))
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
    notify = {i["diagnosis_code"] for i in table.indicators if "diagnosis_code" in i.params}
    for uuid, f in people.items():
        f.tags = derive_tags(table, docs[uuid], forms_of[uuid])
        f.notified = notified_in(docs[uuid], notify, start, end)
    for uuid, hers in maternal.items():  # the same episodes as the clinic's (forms/pregnancy.py)
        people[uuid].deliveries = delivered_in(pregnancy.of_docs(hers), start, end)
    measured = {i["form"] for i in table.indicators if "form" in i.params}
    measured |= {x for i in table.indicators for x in i.params.get("forms") or ()}
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


def _figures(table: rules.Table, facts: list[Facts], year: int,
             activities: dict[str, list[Activity]] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    # no live births either (entered at the clinics): 新生儿访视率 counts the year's registered births
    out = compute(table, facts, None, population_note=NO_POPULATION, births_note=NO_BIRTHS, year=year)
    if activities:
        out += _activity_figures(table, activities)
    return out


# --- the clinics' health education logs (issue 16): per institution (its area), as the clinic
# counts them; a township or the county sums the institutions' figures


def _activities(s: Session, year: int, county: str) -> dict[str, list[Activity]]:
    """Per institution area, its final (not voided) activities of the year."""
    start, end = year_bounds(year)
    out: dict[str, list[Activity]] = defaultdict(list)
    for e in s.execute(select(Entity).where(Entity.kind == "activity", Entity.area.startswith(county))).scalars():
        d = e.data or {}
        day = d.get("visit_date")
        if d.get("status") == "voided" or not isinstance(day, str) or not start <= day <= end:
            continue
        kinds = d.get("material_kinds")
        out[e.area].append(Activity(str(d.get("activity_kind") or ""), kinds if isinstance(kinds, int) else None))
    return out


def _activity_figures(table: rules.Table, by_area: dict[str, list[Activity]]) -> list[dict[str, Any]]:
    out = []
    for ind in (i for i in table.indicators if i.kind in rules.INSTITUTION_KINDS):
        parts = [activity_figures(ind, acts, "township" if area[9:] == "000" else "village")
                 for area, acts in sorted(by_area.items())]  # fmt: skip
        out.append(parts[0] if len(parts) == 1 else combined_activity_figures(parts))
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
    acts = _activities(s, year, county)
    for area in acts:  # an institution with a log and no residents (a township hospital)
        by_village.setdefault(area, [])

    institutions = set(s.execute(select(Institution.area).where(Institution.level != "county")).scalars())

    def logs(areas: list[str]) -> dict[str, list[Activity]]:
        """Each institution's log among `areas` (empty for a clinic with no activity; a village
        without an institution of its own has none)."""
        return {a: acts.get(a, []) for a in areas if a in institutions or a in acts}

    names = dict(s.execute(select(Institution.area, Institution.name)).all())
    townships = []
    for township in sorted({v[:9] for v in by_village}):
        villages = sorted(v for v in by_village if v[:9] == township)
        townships.append({
            "township": township, "name": names.get(township + "000"),
            "indicators": _figures(table, [f for v in villages for f in by_village[v]], year, logs(villages)),
            "villages": [{"village": v, "name": names.get(v), "indicators": _figures(table, by_village[v], year, logs([v]))}
                         for v in villages],
        })  # fmt: skip
    return {"year": year, "county": county, "indicators": _figures(table, facts, year, logs(sorted(by_village))),
            "townships": townships}
