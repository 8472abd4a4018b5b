"""The indicators the county appraises, pure: per resident facts in, figures out (what counts
is the rules table's "indicators", forms/rules). The clinic (app/services/indicators.py, from its
SQLite) and the county server (sync/server/indicators.py, from PostgreSQL) each read the facts
and count them here, so their figures come from the same code; the choices where the reference
is unconfirmed are listed in app/services/indicators.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forms.model import FieldError

if TYPE_CHECKING:
    from forms.rules import Indicator, Table


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
    birth: str | None = None  # the birth date (children's indicators)
    # (form, slot) of the final child-check records up to 31 December (child_sys_mgmt)
    slots: set[tuple[str, str]] = field(default_factory=set)
    first: dict[str, str] = field(default_factory=dict)  # form -> first final visit date ever

    def ref(self) -> dict[str, str]:
        return {"uuid": self.uuid, "record_no": self.record_no, "name": self.name}


class BadYear(ValueError):
    """A year the indicators are not counted for; `error` names the field (year, 年度)."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(str(error))
        self.error = error


def year_bounds(year: int) -> tuple[str, str]:
    """The first and last day of `year` (ISO text, as visit dates are stored), or BadYear."""
    if not 1990 <= year <= 2200:
        raise BadYear(FieldError("year", "年度", f"须为1990–2200之间的年份，现为 {year}"))
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


def _born_in(f: Facts, year: int) -> bool:
    return bool(f.birth) and str(f.birth)[:4] == str(year)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _child_indicator(table: Table, ind: Indicator, people: list[Facts], year: int,
                     births: int | None) -> tuple[list[Facts], list[Facts] | None, int | None, str]:  # fmt: skip
    """(numerator, denominator people or None, denominator, note) of a children's indicator."""
    if ind.kind == "newborn_visit":
        born = [f for f in people if _born_in(f, year)]
        within = ind["within_days"]
        num = []
        for f in born:
            b, v = _day(f.birth), _day(f.first.get(ind["form"]))
            if b is not None and v is not None and 0 <= (v - b).days <= within:
                num.append(f)
        what = f"年内出生的新生儿中出生后{within}天内有新生儿家庭访视记录的人数"
        if births is not None:
            return num, None, births, f"{what}；分母为录入的年度活产数"
        return num, born, len(born), (f"{what}；未录入年度活产数（cunyi births set），分母暂按年内出生"
                                      "并在本机建档的儿童数计")  # fmt: skip
    if ind.kind == "child_mgmt":
        top = table.populations[ind["population"]].max_age or 6
        den = [f for f in people if f.age is not None and 0 <= f.age <= top]
        num = [f for f in den if any(f.followups.get(form, 0) for form in ind["forms"])]
        return num, den, len(den), f"0～{top}岁（按12月31日计）儿童中年内有1次及以上健康检查或访视记录的人数"
    # child_sys_mgmt
    from forms.schedule import slots_of

    rule = table.rule(ind["rule"])
    end, start = dt.date(year, 12, 31), dt.date(year, 1, 1)
    months = ind["under_months"]
    den, num = [], []
    for f in people:
        b = _day(f.birth)
        if b is None or b > end or _months_old(b, end) >= months:
            continue
        owed = [s for s in slots_of(rule, b) if start <= s.end <= end]
        if not owed:
            continue
        den.append(f)
        if all(any((s.form, d) in f.slots for d in s.done_by) for s in owed):
            num.append(f)
    return num, den, len(den), (f"12月31日未满{months}月龄、年内有应查时点的儿童中，年内到期的每个"
                                f"{rule.item}时点都有记录的人数")  # fmt: skip


def _months_old(birth: dt.date, on: dt.date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


CHILD_KINDS = ("newborn_visit", "child_mgmt", "child_sys_mgmt")


def compute(table: Table, facts: Iterable[Facts], population: int | None, *,
            detail: bool = False, population_note: str = "", year: int | None = None,
            births: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """`year` and `births` (the entered live births) for the children's indicators."""
    people = list(facts)
    out = []
    for ind in table.indicators:
        den_people: list[Facts] | None
        if ind.kind in CHILD_KINDS:
            if year is None:
                continue  # a caller that reads no children's facts leaves them out
            num_people, den_people, den, note = _child_indicator(table, ind, people, year, births)
            out.append(_item(ind, num_people, den_people, den, note, detail))
            continue
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
        out.append(_item(ind, num_people, den_people, den, note, detail))
    return out


def _item(ind: Indicator, num_people: list[Facts], den_people: list[Facts] | None, den: int | None,
          note: str, detail: bool) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {"code": ind.code, "name": ind.name, "numerator": len(num_people),
                            "denominator": den, "rate": _rate(len(num_people), den), "note": note}  # fmt: skip
    if detail:
        item["numerator_residents"] = [f.ref() for f in num_people]
        item["denominator_residents"] = None if den_people is None else [f.ref() for f in den_people]
    return item
