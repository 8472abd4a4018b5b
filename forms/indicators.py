"""The indicators the county appraises, pure: per resident facts in, figures out (what counts
is the rules table's "indicators", forms/rules). The clinic (app/services/indicators.py, from its
SQLite) and the county server (sync/server/indicators.py, from PostgreSQL) each read the facts
and count them here, so their figures come from the same code; the choices where the reference
is unconfirmed are listed in app/services/indicators.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forms.model import FieldError
from forms.rules import INSTITUTION_KINDS

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


def compute(table: Table, facts: Iterable[Facts], population: int | None, *,
            detail: bool = False, population_note: str = "") -> list[dict[str, Any]]:  # fmt: skip
    people = list(facts)
    out = []
    for ind in table.indicators:
        if ind.kind in INSTITUTION_KINDS:
            continue  # counted from the clinic's own log: activity_figures
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


# --- health education (issue 16): the clinic's activities of a year against the requirement


@dataclass(frozen=True, slots=True)
class Activity:
    """One final, not voided activity of the year, as the indicator sees it."""

    kind: str  # he_kind code
    material_kinds: int | None = None  # kinds of material handed out or played (kinds 1 and 2)


def activity_figures(ind: Indicator, activities: Iterable[Activity], level: str) -> dict[str, Any]:
    """`ind` (kind activity_count) for one institution: per required kind the count (activities,
    or kinds of material: an activity without its number of kinds counts as one kind) against
    the yearly figure for `level` ("village" or "township"). numerator / denominator = the kinds
    that met their figure / the kinds with a figure above 0."""
    done: dict[str, int] = {}
    for a in activities:
        for req in ind["requirements"]:
            if req["kind"] == a.kind:
                n = (a.material_kinds or 1) if req["count"] == "material_kinds" else 1
                done[a.kind] = done.get(a.kind, 0) + n
    by_kind, parts, met, required = [], [], 0, 0
    for req in ind["requirements"]:
        need, have = int(req["per_year"][level]), done.get(req["kind"], 0)
        ok = have >= need
        if need:
            required += 1
            met += ok
        unit = req.get("unit", "")
        by_kind.append({"kind": req["kind"], "label": req["label"], "count": have, "required": need,
                        "unit": unit, "met": ok if need else None})  # fmt: skip
        parts.append(f"{req['label']} {have}/{need}{unit}" + ("" if not need else "（达标）" if ok else "（未达标）"))
    where = "乡镇卫生院" if level == "township" else "村卫生室"
    return {"code": ind.code, "name": ind.name, "numerator": met, "denominator": required,
            "rate": _rate(met, required), "note": f"{where}年度要求达标项数；" + "；".join(parts),
            "by_kind": by_kind}  # fmt: skip


def combined_activity_figures(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several institutions' figures of one activity_count indicator as one (a township, the
    county): the kinds met and the kinds required summed over the institutions, so the rate is
    the share of the requirements met; per kind the activities and the requirements summed."""
    first = parts[0]
    by_kind: dict[str, dict[str, Any]] = {}
    for p in parts:
        for k in p["by_kind"]:
            into = by_kind.setdefault(k["kind"], {**k, "count": 0, "required": 0, "met_at": 0, "asked_at": 0})
            into["count"] += k["count"]
            into["required"] += k["required"]
            into["asked_at"] += 1 if k["met"] is not None else 0
            into["met_at"] += 1 if k["met"] else 0
    kinds = []
    for k in by_kind.values():
        met_at, asked_at = k.pop("met_at"), k.pop("asked_at")
        kinds.append({**k, "met": None if not asked_at else met_at == asked_at, "institutions_met": met_at,
                      "institutions_asked": asked_at})  # fmt: skip
    num, den = sum(p["numerator"] for p in parts), sum(p["denominator"] for p in parts)
    note = f"{len(parts)}个机构的年度要求达标项数合计；" + "；".join(
        f"{k['label']} {k['institutions_met']}/{k['institutions_asked']}个机构达标" for k in kinds if k["institutions_asked"])
    return {"code": first["code"], "name": first["name"], "numerator": num, "denominator": den,
            "rate": _rate(num, den), "note": note, "by_kind": kinds}  # fmt: skip
