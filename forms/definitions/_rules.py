"""Cross-field rules used by several forms (each with its Chinese description)."""

from __future__ import annotations

import math
from typing import Any

from forms.checks import fmt_num, is_empty, parse_date
from forms.codes import tables
from forms.definitions._dsl import rule
from forms.model import CrossRule, Field, FieldError, ValidationContext


def fe(f: Field, message: str) -> FieldError:
    return FieldError(f.key, f.label, message)


def ref(f: Field) -> str:
    return f.label  # (users read these messages; the key of the failing field is in FieldError)


def blood_pressure(sbp: Field, dbp: Field) -> CrossRule:
    @rule(f"{ref(sbp)}与{ref(dbp)}须同时填写，且收缩压高于舒张压", sbp, dbp)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        s, d = doc.get(sbp.key), doc.get(dbp.key)
        if s is None and d is None:
            return []
        if s is None:
            return [fe(sbp, f"已填写{ref(dbp)}，收缩压也须填写")]
        if d is None:
            return [fe(dbp, f"已填写{ref(sbp)}，舒张压也须填写")]
        if s <= d:
            return [fe(dbp, f"舒张压{fmt_num(d)}应低于{ref(sbp)}{fmt_num(s)}")]
        return []

    return check


def after(first: Field, second: Field, *, strict: bool = True) -> CrossRule:
    word = "晚于" if strict else "不早于"

    @rule(f"{ref(second)}应{word}{ref(first)}", first, second)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        a = parse_date(doc.get(first.key), month_ok=True)
        b = parse_date(doc.get(second.key), month_ok=True)
        if a is None or b is None or b > a or (not strict and b == a):
            return []
        return [fe(second, f"应{word}{ref(first)}{doc[first.key]}，实际为{doc[second.key]}")]

    return check


def not_less(small: Field, big: Field) -> CrossRule:
    @rule(f"{ref(small)}不应大于{ref(big)}", small, big)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        a, b = doc.get(small.key), doc.get(big.key)
        if a is None or b is None or a <= b:
            return []
        return [fe(small, f"{fmt_num(a)}不应大于{ref(big)}{fmt_num(b)}")]

    return check


def only_when(
    trigger: Field, codes: tuple[str, ...], *dependents: Field, edition: str = "2017"
) -> CrossRule:
    """Dependents may be filled only when trigger has one of codes (multi: contains one)."""
    names = "、".join(ref(d) for d in dependents)
    table = tables(edition).get(trigger.codes or "")
    chosen = "或".join(f"“{c}{table.label(c) if table else ''}”" for c in codes)

    @rule(f"{names}只在{ref(trigger)}选择{chosen}时填写", trigger, *dependents)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        v = doc.get(trigger.key)
        on = (
            v in codes if isinstance(v, str) else isinstance(v, list) and any(c in v for c in codes)
        )
        if on:
            return []
        return [
            fe(d, f"只有在{ref(trigger)}选择{chosen}时才填写")
            for d in dependents
            if not is_empty(doc.get(d.key))
        ]

    return check


def flag_and_items(flag: Field, items: Field) -> CrossRule:
    """ "1无 2有" + a list of details: 有 needs at least one item, 无 allows none."""

    @rule(f"{ref(flag)}选“2有”时须在{ref(items)}中填写至少一项，选“1无”时不能填写", flag, items)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        v, lst = doc.get(flag.key), doc.get(items.key) or []
        if v == "2" and not lst:
            return [fe(items, f"{ref(flag)}为“有”，请至少填写一项")]
        if v == "1" and lst:
            return [fe(items, f"{ref(flag)}为“无”，不能填写明细")]
        if v is None and lst:
            return [fe(flag, f"已填写{ref(items)}，请选择“2有”")]
        return []

    return check


def together(*fields: Field) -> CrossRule:
    """Fields that mean something only together (停止治疗时间 and 原因): all or none."""
    names = "、".join(ref(f) for f in fields)

    @rule(f"{names}须同时填写", *fields)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        filled = [f for f in fields if not is_empty(doc.get(f.key))]
        if not filled or len(filled) == len(fields):
            return []
        return [fe(f, f"已填写{ref(filled[0])}，此项也须填写") for f in fields if f not in filled]

    return check


def at_least_one(*fields: Field) -> CrossRule:
    names = "、".join(ref(f) for f in fields)

    @rule(f"{names}至少填写一项", *fields)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        if any(not is_empty(doc.get(f.key)) for f in fields):
            return []
        return [fe(fields[0], f"{names}至少填写一项")]

    return check


def final_requires(*fields: Field, what: str = "定稿的记录") -> tuple[CrossRule, ...]:
    """The standard's core items of a form: a draft may leave them empty, a final record may
    not. One rule per field, so a field already refused for its value is not also called
    missing."""

    def one(f: Field) -> CrossRule:
        @rule(f"{what}（非草稿）必须填写{ref(f)}", f)
        def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
            if not ctx.final or not is_empty(doc.get(f.key)):
                return []
            return [fe(f, f"{what}必须填写此项（草稿可暂不填写）")]

        return check

    return tuple(one(f) for f in fields)


def not_applicable(f: Field, codes: tuple[str, ...], *, edition: str = "2017") -> CrossRule:
    """Options the paper form prints as "—" for this item: the level does not exist there."""
    table = tables(edition).get(f.codes or "")
    names = "、".join(f"“{c}{table.label(c) if table else ''}”" for c in codes)

    @rule(f"{ref(f)}不能选择{names}（纸质表此格为“—”，不适用）", f)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        v = doc.get(f.key)
        if v not in codes:
            return []
        allowed = " ".join(f"{c.code}{c.label}" for c in table.codes if c.code not in codes) if table else ""
        return [fe(f, f"纸质表此项“{v}{table.label(v) if table else ''}”一栏为“—”（不适用）；"
                      f"可选：{allowed}")]  # fmt: skip

    return check


def same_record_no(f: Field) -> CrossRule:
    """封面 / 信息卡 carry the resident's number: another number would print someone else's."""

    @rule(f"{ref(f)}须与居民档案的健康档案编号一致", f)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        v = doc.get(f.key)
        if ctx.record_no is None or v is None or v == ctx.record_no:
            return []
        return [fe(f, f"{v}与该居民的健康档案编号{ctx.record_no}不一致")]

    return check


def five_point_vision(*fields: Field, lo: float, hi: float) -> CrossRule:
    """Visual acuity in 五分记录 (standard logarithmic chart), the scale of the 2017 health exam
    (reference standard-forms.md §2.3 "视力 … 5-point logarithmic chart"). A decimal reading
    (0.1～2.0) is refused with its five-point equivalent, 5 + lg(decimal)."""
    names = "、".join(ref(f) for f in fields)

    @rule(f"{names}按五分记录填写（{fmt_num(lo)}～{fmt_num(hi)}）", *fields)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        errors = []
        for f in fields:
            v = doc.get(f.key)
            if v is None or lo <= v <= hi:
                continue
            hint = ""
            if 0 < v < lo:
                hint = f"；{fmt_num(v)}像是小数记录，五分记录应为{5 + math.log10(v):.1f}"
            errors.append(fe(f, f"本表视力用五分记录（标准对数视力表），应为{fmt_num(lo)}～{fmt_num(hi)}{hint}"))
        return errors

    return check
