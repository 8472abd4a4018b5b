"""The schedule and indicator rules as data: one table per edition and province.

A table is JSON (forms/rules/<name>.json, shipped; or rules.json in the data directory, an
administrator's own). It names the key populations, the schedule rules (who is due for which
form, when) and the indicators (what counts). A province table may extend another and override
single fields of single rules (`"extends": "ed2017", "rules": {"htn_followup": {...}}`), so an
interval or a threshold changes without code. Every table is validated when loaded: a bad one is
refused with a TableError naming the table, the rule and the field.

The tables are the standard's rules, like the form definitions, and hold no store: the clinic
(app/rules, which reports a bad table as its DataError) and the county server read the same
tables through this module, so both count the same way.

Rule kinds (other programmes add theirs here: children by age milestones, maternal by weeks):
- classified_followup: a chronic-disease follow-up whose 此次随访分类 sets the next visit;
- interval: a form due every N months to a population (the annual exam, the self-care score);
- prenatal: the antenatal visits by weeks of pregnancy (`visits`: no, form, item, from_week,
  to_week), of the woman's latest pregnancy (forms/pregnancy.py);
- postpartum: a form due `offset_days` after the delivery or the discharge (`from`), within
  `within_days`.
- risk_followup: the 严重精神障碍 follow-up, whose 危险性评估, 本次随访分类, referral and lost
  visit set the next one (programme-forms.md §11);
- notified_visit: a first visit due within hours of a notification (肺结核第一次入户随访);
- tb_supervision, tb_end: the TB supervision visits by phase and supervisor, and the
  end-of-treatment assessment (programme-forms.md §13, §17).
- age_slots: checks at fixed ages of a child (满月, 3, 6 ... months; 4, 5, 6 years), each slot
  done by a record of its form with that `slot` (and, with `field`, that field filled: Hb,
  hearing); a missed slot stays due until the next slot of the rule opens;
- newborn_visit: one visit within N days of discharge (the mother's postpartum record's
  discharge date, else the birth), listed until the end of the neonatal period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from forms.registry import form_codes

HERE = Path(__file__).resolve().parent
DEFAULT_TABLE = "ed2017"
LOCAL_NAME = "rules.json"  # in the data directory: an administrator's table, used when present


class TableError(ValueError):
    """A rules table that cannot be used; the message names the table, the rule and the field
    (`table`; `rule`: the rule, population or indicator, when one is at fault; `field`)."""

    def __init__(self, message: str, table: str, rule: str | None = None,
                 field: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.table, self.rule, self.field = table, rule, field


@dataclass(frozen=True)
class Population:
    code: str
    label: str
    diagnosis_codes: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None  # the age population of those not yet max_age + 1 (0-6岁儿童: 6)


class _Params:
    """rule["interval_months"]: a rule's or an indicator's own parameters read like a dict."""

    params: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Rule(_Params):
    id: str
    kind: str
    programme: str
    form: str
    item: str
    populations: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator(_Params):
    code: str
    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    name: str
    edition: str
    title: str
    populations: dict[str, Population]
    rules: tuple[Rule, ...]
    indicators: tuple[Indicator, ...]

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    @property
    def programmes(self) -> list[str]:
        return list(dict.fromkeys(r.programme for r in self.rules))


# --- what each kind needs: field -> (check, what the message says it must be)
def _pos_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v > 0


def _codes(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v)


def _text(v: Any) -> TypeGuard[str]:
    return isinstance(v, str) and bool(v.strip())


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _visits(v: Any) -> bool:
    """The antenatal visits of a prenatal rule: numbered, each a week window."""
    if not isinstance(v, list) or not v:
        return False
    for x in v:
        if not isinstance(x, dict) or set(x) != {"no", "form", "item", "from_week", "to_week"}:
            return False
        if not (_pos_int(x["no"]) and _text(x["form"]) and _text(x["item"])
                and _nonneg_int(x["from_week"]) and _nonneg_int(x["to_week"])
                and x["from_week"] <= x["to_week"] <= 45):  # fmt: skip
            return False
        if x["form"] not in form_codes():
            return False
    return [x["no"] for x in v] == sorted({x["no"] for x in v})


def _from(v: Any) -> bool:
    return v in ("delivery", "discharge")


def _months_by_code(v: Any) -> bool:
    return isinstance(v, dict) and bool(v) and all(isinstance(k, str) and _pos_int(n) for k, n in v.items())


_SLOT_KEYS = {"slot", "label", "form", "months", "days", "window_days", "window_months", "done_by"}


def _slots(v: Any) -> bool:
    """age_slots' list: {"slot": "3", "label": "3月龄", "months": 3, "window_days": 29}, in age
    order; "form" (default the rule's), "done_by" (other slots that count, e.g. Hb at 6 or 8)."""
    if not isinstance(v, list) or not v:
        return False
    for s in v:
        if not isinstance(s, dict) or set(s) - _SLOT_KEYS or not _text(s.get("slot")) or not _text(s.get("label")):
            return False
        if ("months" in s) == ("days" in s) or not _nonneg_int(s.get("months", s.get("days"))):
            return False
        if ("window_days" in s) == ("window_months" in s):
            return False
        if not _nonneg_int(s.get("window_days", s.get("window_months"))):
            return False
        if "form" in s and not _text(s["form"]):
            return False
        if "done_by" in s and not _codes(s["done_by"]):
            return False
    return True


POS_INT, NONNEG, NUMBER = (_pos_int, "正整数"), (_nonneg_int, "非负整数"), (_number, "正数")
CODES, TEXT, BOOL = (_codes, "代码列表（字符串）"), (_text, "非空文字"), (_bool, "true 或 false")
VISITS = (_visits, "按次序编号的产前检查列表（每项 no、form、item、from_week、to_week，孕周0–45）")
FROM = (_from, "delivery（分娩）或 discharge（出院）")
BY_CODE = (_months_by_code, "代码到正整数的对象")

RULE_FIELDS: dict[str, dict[str, tuple[Any, str]]] = {
    "classified_followup": {
        "routine_months": POS_INT, "uncontrolled_classes": CODES, "adverse_classes": CODES,
        "complication_classes": CODES, "adverse_field": TEXT, "adverse_values": CODES,
        "recheck_days": POS_INT, "referral_after_uncontrolled": POS_INT, "referral_days": POS_INT,
        "honour_next_visit_date": BOOL,
    },
    "interval": {"interval_months": POS_INT},
    "prenatal": {"visits": VISITS},
    "postpartum": {"from": FROM, "offset_days": NONNEG, "within_days": POS_INT},
    "risk_followup": {
        "routine_months": POS_INT, "unstable_classes": CODES, "basic_classes": CODES,
        "risk_field": TEXT, "unstable_risk": CODES, "referral_field": TEXT, "referral_values": CODES,
        "lost_field": TEXT, "death_field": TEXT, "recheck_days": POS_INT, "honour_next_visit_date": BOOL,
    },
    "notified_visit": {"diagnosis_code": TEXT, "within_hours": POS_INT, "notice_window_days": POS_INT},
    "tb_supervision": {
        "first_form": TEXT, "supervisor_field": TEXT, "staff_supervisors": CODES, "type_field": TEXT,
        "intensive_months": BY_CODE, "course_months": BY_CODE, "intensive_days": POS_INT,
        "continuation_months": POS_INT, "staff_months": POS_INT, "stop_field": TEXT,
        "honour_next_visit_date": BOOL,
    },
    "tb_end": {"first_form": TEXT, "type_field": TEXT, "course_months": BY_CODE, "stop_field": TEXT},
    "age_slots": {"slots": (_slots, "时点列表（每项有 slot、label，months 或 days，window_days 或 window_months）")},
    "newborn_visit": {"within_days": POS_INT, "until_days": POS_INT},
}  # fmt: skip
RULE_OPTIONAL = {"also_done_by", "source", "population", "populations", "offered_with", "field", "discharge_from"}
INDICATOR_FIELDS: dict[str, dict[str, tuple[Any, str]]] = {
    "filing": {},
    "usage": {"dynamic_months": POS_INT},
    "standard_mgmt": {"population": TEXT, "form": TEXT, "min_followups": POS_INT, "exam_form": TEXT},
    "bp_control": {"population": TEXT, "form": TEXT, "sbp_below": POS_INT, "dbp_below": POS_INT,
                   "elderly_age": POS_INT, "elderly_sbp_below": POS_INT},
    "glucose_control": {"population": TEXT, "form": TEXT, "field": TEXT, "below": NUMBER},
    "elderly_mgmt": {"population": TEXT, "requires": CODES},
    "last_value": {"population": TEXT, "form": TEXT, "field": TEXT, "values": CODES},
    "notified_mgmt": {"population": TEXT, "forms": CODES, "diagnosis_code": TEXT},
    "regular_medication": {"population": TEXT, "form": TEXT, "stop_field": TEXT, "completed": CODES,
                           "rate_field": TEXT, "min_rate": NUMBER},
    "maternal": {},
    # children (issue 15): the year's newborns visited within `within_days` of birth over the
    # live births; 0-6 year-olds with a record of `forms` in the year; under-3s with every check
    # slot of `rule` that fell due in the year done
    "newborn_visit": {"form": TEXT, "within_days": POS_INT},
    "child_mgmt": {"population": TEXT, "forms": CODES},
    "child_sys_mgmt": {"rule": TEXT, "under_months": POS_INT},
}
# Fields an indicator kind may have (each one a condition the counted women must meet).
INDICATOR_OPTIONAL: dict[str, dict[str, tuple[Any, str]]] = {
    "maternal": {"first_before_week": POS_INT, "min_prenatal": POS_INT, "count_urged": BOOL,
                 "postpartum_within_days": POS_INT, "postpartum_from": FROM},
}
# --- health education (issue 16): an institution's activities counted by kind against the yearly
# requirement, per level of institution (village clinic, township hospital)
LEVELS = ("village", "township")


def _requirements(v: Any) -> bool:
    """[{kind, label, count: "activities" | "material_kinds", per_year: {village: n, township: n}}]"""
    return isinstance(v, list) and bool(v) and all(
        isinstance(r, dict) and _text(r.get("kind")) and _text(r.get("label"))
        and r.get("count") in ("activities", "material_kinds")
        and isinstance(r.get("per_year"), dict) and set(r["per_year"]) == set(LEVELS)
        and all(_nonneg_int(n) for n in r["per_year"].values())
        and set(r) <= {"kind", "label", "count", "per_year", "unit", "source"}
        for r in v
    )


INDICATOR_FIELDS["activity_count"] = {
    "form": TEXT,
    "requirements": (_requirements, "要求列表：每项含 kind、label、count（activities 或 material_kinds）、"
                                    "per_year（village 与 township 的非负整数）"),
}
INSTITUTION_KINDS = ("activity_count",)  # counted from the clinic's own log, not per resident


def _fail(table: str, where: tuple[str, str], key: str, problem: str) -> TableError:
    """`where`: what is at fault (规则, 人群, 指标) and its code."""
    return TableError(f"规则表 {table}：{where[0]} {where[1]} 的字段 {key}：{problem}", table, str(where[1]), key)


def _check_fields(table: str, where: tuple[str, str], data: dict[str, Any],
                  wanted: dict[str, tuple[Any, str]], extra_ok: set[str],
                  optional: frozenset[str] | set[str] = frozenset()) -> None:  # fmt: skip
    """`wanted`: checked fields (those in `optional` may be left out); `extra_ok`: allowed
    unchecked."""
    for key, (ok, what) in wanted.items():
        if key not in data:
            if key in optional:
                continue
            raise _fail(table, where, key, "缺少")
        if not ok(data[key]):
            raise _fail(table, where, key, f"须为{what}，现为 {json.dumps(data[key], ensure_ascii=False)}")
    extra = set(data) - set(wanted) - extra_ok
    if extra:
        raise _fail(table, where, sorted(extra)[0], "未知的字段")


def validate(raw: dict[str, Any], forms_known: set[str] | None = None) -> Table:
    """A Table from a parsed JSON table (after `extends` is resolved), or TableError."""
    name = str(raw.get("table") or "?")
    forms_known = set(form_codes()) if forms_known is None else forms_known
    pops: dict[str, Population] = {}
    for code, p in (raw.get("populations") or {}).items():
        where = ("人群", code)
        if not isinstance(p, dict):
            raise _fail(name, where, code, "须为对象")
        if not _text(p.get("label")):
            raise _fail(name, where, "label", "须为非空文字")
        min_age = p.get("min_age")
        if min_age is not None and not _pos_int(min_age):
            raise _fail(name, where, "min_age", "须为正整数")
        max_age = p.get("max_age")
        if max_age is not None and not _pos_int(max_age):
            raise _fail(name, where, "max_age", "须为正整数")
        for key in ("diagnosis_codes", "forms"):
            if key in p and not _codes(p[key]):
                raise _fail(name, where, key, "须为代码列表（字符串）")
        for f in p.get("forms") or ():
            if forms_known and f not in forms_known:
                raise _fail(name, where, "forms", f"未知的表单 {f}")
        pops[code] = Population(code, p["label"], tuple(p.get("diagnosis_codes") or ()),
                                tuple(p.get("forms") or ()), min_age, max_age)  # fmt: skip
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(raw.get("rules") or []):
        rid = r.get("id") if isinstance(r, dict) else None
        where = ("规则", rid or f"#{i + 1}")
        if not isinstance(r, dict) or not _text(rid):
            raise _fail(name, where, "id", "缺少规则编号")
        if rid in seen:
            raise _fail(name, where, "id", "规则编号重复")
        seen.add(rid)
        kind = r.get("kind")
        if kind not in RULE_FIELDS:
            raise _fail(name, where, "kind", f"未知的规则类型 {kind}（可用：{'、'.join(RULE_FIELDS)}）")
        for key in ("programme", "form", "item"):
            if not _text(r.get(key)):
                raise _fail(name, where, key, "须为非空文字")
        if forms_known and r["form"] not in forms_known:
            raise _fail(name, where, "form", f"未知的表单 {r['form']}")
        populations = r.get("populations") or ([r["population"]] if r.get("population") else [])
        if not populations:
            raise _fail(name, where, "populations", "缺少适用人群")
        for p in populations:
            if p not in pops:
                raise _fail(name, where, "populations", f"未定义的人群 {p}")
        if r.get("offered_with") is not None and r["offered_with"] not in seen:
            raise _fail(name, where, "offered_with", f"未定义的规则 {r['offered_with']}（须在本规则之前）")
        for extra in r.get("also_done_by") or ():
            if not isinstance(extra, dict) or not _text(extra.get("form")) or not _text(extra.get("field")):
                raise _fail(name, where, "also_done_by", "每项须有 form 和 field")
        params = {k: v for k, v in r.items() if k not in ("id", "kind", "programme", "form", "item")}
        _check_fields(name, where, params, RULE_FIELDS[kind], RULE_OPTIONAL)
        for slot in params.get("slots") or ():
            if forms_known and slot.get("form", r["form"]) not in forms_known:
                raise _fail(name, where, "slots", f"时点 {slot['slot']} 的表单 {slot['form']} 未知")
        rules.append(Rule(rid, kind, r["programme"], r["form"], r["item"], tuple(populations),
                          params))  # fmt: skip
    indicators: list[Indicator] = []
    codes: set[str] = set()
    for i, d in enumerate(raw.get("indicators") or []):
        code = d.get("code") if isinstance(d, dict) else None
        where = ("指标", code or f"#{i + 1}")
        if not isinstance(d, dict) or not _text(code):
            raise _fail(name, where, "code", "缺少指标代码")
        if code in codes:
            raise _fail(name, where, "code", "指标代码重复")
        codes.add(code)
        if not _text(d.get("name")):
            raise _fail(name, where, "name", "须为非空文字")
        kind = d.get("kind")
        if kind not in INDICATOR_FIELDS:
            raise _fail(name, where, "kind", f"未知的指标类型 {kind}")
        params = {k: v for k, v in d.items() if k not in ("code", "name", "kind")}
        optional = INDICATOR_OPTIONAL.get(kind, {})
        _check_fields(name, where, params, INDICATOR_FIELDS[kind] | optional, {"source"}, optional=set(optional))
        if "population" in params and params["population"] not in pops:
            raise _fail(name, where, "population", f"未定义的人群 {params['population']}")
        if "rule" in params and params["rule"] not in seen:
            raise _fail(name, where, "rule", f"未定义的规则 {params['rule']}")
        for rid in params.get("requires") or ():
            if rid not in seen:
                raise _fail(name, where, "requires", f"未定义的规则 {rid}")
        indicators.append(Indicator(code, d["name"], kind, params))
    return Table(name, str(raw.get("edition") or ""), str(raw.get("title") or name), pops,
                 tuple(rules), tuple(indicators))  # fmt: skip


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as e:
        raise TableError(f"规则表 {path.name}：无法读取（{e.strerror}）", path.name) from None
    except UnicodeDecodeError as e:
        raise TableError(f"规则表 {path.name}：不是 UTF-8 编码（第{e.start + 1}字节）", path.name) from None
    except RecursionError:
        raise TableError(f"规则表 {path.name}：嵌套层数太多", path.name) from None
    except json.JSONDecodeError as e:
        raise TableError(f"规则表 {path.name}：JSON 格式错误（第{e.lineno}行第{e.colno}列）：{e.msg}",
                         path.name) from None  # fmt: skip
    if not isinstance(data, dict):
        raise TableError(f"规则表 {path.name}：须为 JSON 对象", path.name)
    data.setdefault("table", path.stem)
    return data


def resolve(data: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """A table with its `extends` applied: the base's rules and indicators, then this table's
    per-rule field overrides (by id / code), its new rules and its populations."""
    base_name = data.get("extends")
    if not base_name:
        return data
    name = data.get("table", "?")
    if depth > 4 or not isinstance(base_name, str) or not (HERE / f"{base_name}.json").exists():
        raise TableError(f"规则表 {name}：字段 extends：未知的基础规则表 {base_name}", name, None, "extends")
    base = resolve(_read(HERE / f"{base_name}.json"), depth + 1)
    out = dict(base, table=name, title=data.get("title", base.get("title")))
    out["populations"] = {**base.get("populations", {}), **data.get("populations", {})}
    for section, key in (("rules", "id"), ("indicators", "code")):
        items = [dict(x) for x in base.get(section, [])]
        by_id = {x[key]: x for x in items}
        for rid, change in (data.get(f"override_{section}") or {}).items():
            if rid not in by_id:
                raise TableError(f"规则表 {name}：override_{section} 中的 {rid}：基础规则表中没有", name,
                                 rid, f"override_{section}")  # fmt: skip
            by_id[rid].update(change)
        items += [dict(x) for x in data.get(section, [])]
        out[section] = items
    return out


def load(path: Path) -> Table:
    return validate(resolve(_read(path)))


def table_path(area: str | None = None, data_dir: Path | None = None) -> Path:
    """Which table applies: the data directory's own, else the province's (by the area code's
    first two digits), else the national one."""
    if data_dir is not None and (Path(data_dir) / LOCAL_NAME).exists():
        return Path(data_dir) / LOCAL_NAME
    if area:
        province = HERE / f"{DEFAULT_TABLE}-{area[:2]}.json"
        if province.exists():
            return province
    return HERE / f"{DEFAULT_TABLE}.json"


_cache: dict[tuple[str, float], Table] = {}


def cached(path: Path) -> Table:
    """The table in `path`, validated once per file version."""
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        _cache[key] = load(path)
    return _cache[key]


def for_area(area: str | None) -> Table:
    """The shipped table for an area code (the province's, else the national one)."""
    return cached(table_path(area))


def default() -> Table:
    return load(HERE / f"{DEFAULT_TABLE}.json")
