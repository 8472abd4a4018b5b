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
from forms.rules import INSTITUTION_KINDS
from forms.schedule import notified_day

if TYPE_CHECKING:
    from forms.pregnancy import Episode
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
    deliveries: list[Episode] = field(default_factory=list)  # pregnancies delivered in the year
    notified: set[str] = field(default_factory=set)  # 既往史 codes 确诊 in the year (notified_in)
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


def delivered_in(episodes: Iterable[Episode], start: str, end: str) -> list[Episode]:
    """The pregnancies that ended by a delivery between `start` and `end` (ISO days)."""
    return [e for e in episodes
            if e.delivered and e.end is not None and start <= e.end.isoformat() <= end]  # fmt: skip


def maternal_met(ind: Indicator, ep: Episode) -> bool:
    """Whether a delivered pregnancy meets every condition the maternal indicator sets."""
    first = ind.get("first_before_week")
    if first is not None and (ep.registered is None or ep.first_weeks is None or ep.first_weeks >= first):
        return False
    least = ind.get("min_prenatal")
    if least is not None and len(ep.prenatal_visits(count_urged=ind.get("count_urged", True))) < least:
        return False
    within = ind.get("postpartum_within_days")
    if within is not None:
        base = ep.discharge if ind.get("postpartum_from") == "discharge" and ep.discharge else ep.end
        if base is None or not any(0 <= (r.day - base).days <= within for r in ep.of_form("postpartum_visit")):
            return False
    return True


def _maternal_note(ind: Indicator) -> str:
    parts = []
    if ind.get("first_before_week") is not None:
        parts.append(f"孕{ind['first_before_week']}周前建册并做第1次产前检查")
    if ind.get("min_prenatal") is not None:
        parts.append(f"孕期产前检查≥{ind['min_prenatal']}次（含第1次）")
    if ind.get("postpartum_within_days") is not None:
        after = "出院" if ind.get("postpartum_from") == "discharge" else "分娩"
        parts.append(f"{after}后{ind['postpartum_within_days']}天内产后访视")
    return "年内分娩的产妇中：" + "且".join(parts)


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
            births: int | None = None, births_note: str = "") -> list[dict[str, Any]]:  # fmt: skip
    """`year` and `births` (the live births entered for the year, app/services/births.py) for
    the children's and the maternal indicators; with `births` None the maternal ones count the
    deliveries recorded in the year instead, as `births_note` says."""
    people = list(facts)
    out = []
    for ind in table.indicators:
        if ind.kind in INSTITUTION_KINDS:
            continue  # counted from the clinic's own log: activity_figures
        den_people: list[Facts] | None
        if ind.kind == "maternal":
            mothers = [(f, ep) for f in people for ep in f.deliveries]
            met = [f for f, ep in mothers if maternal_met(ind, ep)]
            den: int | None = births if births is not None else len(mothers)
            entry: dict[str, Any] = {"code": ind.code, "name": ind.name, "numerator": len(met), "denominator": den,
                    "rate": _rate(len(met), den),
                    "note": _maternal_note(ind) + "；" + (births_note or "分母为年内记录的分娩数（未录入活产数）")}  # fmt: skip
            if detail:
                entry["numerator_residents"] = [f.ref() for f in met]
                entry["denominator_residents"] = None if births is not None else [f.ref() for f, _ in mothers]
            out.append(entry)
            continue
        if ind.kind in CHILD_KINDS:
            if year is None:
                continue  # a caller that reads no children's facts leaves them out
            num_people, den_people, den, note = _child_indicator(table, ind, people, year, births)
            out.append(_item(ind, num_people, den_people, den, note, detail))
            continue
        if ind.kind in PROGRAMME_KINDS:
            den_people, num_people, note = _programme(ind, people)
        elif ind.kind == "filing":
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


# --- 严重精神障碍, 肺结核 (issue 16); the elderly TCM rate is an elderly_mgmt indicator

PROGRAMME_KINDS = ("last_value", "notified_mgmt", "regular_medication")


def notified_in(doc: dict[str, Any], codes: Iterable[str], start: str, end: str) -> set[str]:
    """The 既往史 codes of a personal_info document whose 确诊时间 falls in [start, end]: the
    patients taken as notified in the year (tb_mgmt's denominator)."""
    out = set()
    for code in codes:
        day = notified_day(doc, code)
        if day is not None and start <= day.isoformat() <= end:
            out.add(code)
    return out


def _programme(ind: Indicator, people: list[Facts]) -> tuple[list[Facts], list[Facts], str]:
    if ind.kind == "last_value":
        den = [f for f in people if ind["population"] in f.tags]
        num = [f for f in den if str((f.last.get(ind["form"]) or {}).get(ind["field"])) in ind["values"]]
        return den, num, "年内最近一次随访分类为稳定；年内未随访按不稳定计"
    if ind.kind == "notified_mgmt":
        def visited(f: Facts) -> bool:
            return any(f.followups.get(form) for form in ind["forms"])

        den = [f for f in people if visited(f) or ind["diagnosis_code"] in f.notified]
        return den, [f for f in den if visited(f)], ("分母：年内确诊通知（既往史确诊时间在年内）或年内有随访的患者；"
                                                    "分子：其中年内有入户随访或随访记录的")  # fmt: skip
    # regular_medication
    def ended(f: Facts) -> dict[str, Any] | None:
        last = f.last.get(ind["form"]) or {}
        return last if str(last.get(ind["stop_field"])) in ind["completed"] else None

    den = [f for f in people if ended(f) is not None]

    def regular(f: Facts) -> bool:
        rate = (ended(f) or {}).get(ind["rate_field"])
        try:
            return rate is not None and float(rate) >= ind["min_rate"]
        except (TypeError, ValueError):
            return False

    return den, [f for f in den if regular(f)], f"年内完成疗程的患者中，全程服药率≥{ind['min_rate']}%的"
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


def _item(ind: Indicator, num_people: list[Facts], den_people: list[Facts] | None, den: int | None,
          note: str, detail: bool) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {"code": ind.code, "name": ind.name, "numerator": len(num_people),
                            "denominator": den, "rate": _rate(len(num_people), den), "note": note}  # fmt: skip
    if detail:
        item["numerator_residents"] = [f.ref() for f in num_people]
        item["denominator_residents"] = None if den_people is None else [f.ref() for f in den_people]
    return item
