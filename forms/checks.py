"""Checks of one value against its Field: type, range, code table, date and text rules."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeGuard

from forms.model import CodeTable, Field

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST_YEAR = 1880  # no living resident's record predates it


@dataclass(frozen=True)
class DateBounds:
    today: dt.date
    birth: dt.date | None


def is_empty(value: Any) -> bool:
    """null, "" and [] all mean "not filled in" (a cleared field)."""
    return value is None or value == "" or value == []


def fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def options_text(t: CodeTable) -> str:
    return " ".join(f"{c.code}{c.label}" for c in t.codes)


def parse_date(value: Any, *, month_ok: bool = False) -> dt.date | None:
    """A date from "YYYY-MM-DD" (or "YYYY-MM" when month_ok: the 1st of the month), else None."""
    if not isinstance(value, str) or len(value) not in (7, 10):
        return None  # neither shape (\d is one character); nor kept by the cache below
    return _parse_date(value, month_ok)


# A date depends on its text alone; today and a resident's birth date are parsed several times
# for each document (context, field check, cross-field rules).
@lru_cache(maxsize=1024)
def _parse_date(value: str, month_ok: bool) -> dt.date | None:
    try:
        if _DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
        if month_ok and _MONTH.fullmatch(value):
            return dt.date(int(value[:4]), int(value[5:7]), 1)
    except ValueError:
        return None
    return None


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _range_text(f: Field) -> str:
    unit = f.unit or ""
    if f.min is not None and f.max is not None:
        return f"{fmt_num(f.min)}～{fmt_num(f.max)}{unit}"
    if f.min is not None:
        return f"不小于{fmt_num(f.min)}{unit}"
    return f"不大于{fmt_num(f.max or 0)}{unit}"


def check_number(f: Field, v: Any) -> str | None:
    if f.type == "int":
        if not (isinstance(v, int) and not isinstance(v, bool)):
            return f"应为整数，实际为{_shown(v)}"
    elif not is_number(v):
        return f"应为数字，实际为{_shown(v)}"
    if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
        return f"{fmt_num(v)}超出允许范围，应为{_range_text(f)}"
    if f.type == "decimal" and f.decimals is not None:
        try:
            exp = Decimal(repr(float(v))).normalize().as_tuple().exponent
        except InvalidOperation:
            return "不是有效数字"
        if isinstance(exp, int) and -exp > f.decimals:
            return f"最多保留{f.decimals}位小数" if f.decimals else "应为整数"
    return None


def check_text(f: Field, v: Any) -> str | None:
    if not isinstance(v, str):
        return f"应为文字，实际为{_shown(v)}"
    if f.max_length is not None and len(v) > f.max_length:
        return f"最多{f.max_length}个字，实际{len(v)}个字"
    if CONTROL_CHARS.search(v) or ("\n" in v and not f.multiline):
        return "含有不可见的控制字符或换行，请删去"
    if f.pattern and not re.fullmatch(f.pattern, v):
        return f"格式不对，应为{f.pattern_hint or f.pattern}"
    return None


def check_code(f: Field, t: CodeTable, v: Any) -> str | None:
    if not isinstance(v, str):
        return f'应为代码文字（如"{t.codes[0].code}"），实际为{_shown(v)}；可选：{options_text(t)}'
    if not t.has(v):
        return f'代码"{v}"不在可选范围内；可选：{options_text(t)}'
    return None


def check_multicode(f: Field, t: CodeTable, v: Any) -> str | None:
    if not isinstance(v, list) or not all(isinstance(c, str) for c in v):
        return (
            f'应为代码列表（如["{t.codes[0].code}"]），实际为{_shown(v)}；可选：{options_text(t)}'
        )
    bad = [c for c in v if not t.has(c)]
    if bad:
        return f"代码{'、'.join(chr(34) + c + chr(34) for c in bad)}不在可选范围内；可选：{options_text(t)}"
    if len(set(v)) != len(v):
        return "同一选项重复选择"
    for ex in t.exclusive:
        if ex in v and len(v) > 1:
            return f"“{ex}{t.label(ex)}”不能与其他选项同时选择"
    if f.max_items is not None and len(v) > f.max_items:
        return f"最多选择{f.max_items}项（纸质表有{f.max_items}个方框），实际{len(v)}项"
    return None


def check_date(f: Field, v: Any, bounds: DateBounds) -> str | None:
    month_ok = f.precision == "month"
    shape = "YYYY-MM-DD 或 YYYY-MM" if month_ok else "YYYY-MM-DD"
    d = parse_date(v, month_ok=month_ok)
    if d is None:
        return f"应为有效日期，格式{shape}，实际为{_shown(v)}"
    only_month = month_ok and isinstance(v, str) and len(v) == 7
    if d.year < EARLIEST_YEAR:
        return f"日期{v}不合理（早于{EARLIEST_YEAR}年）"
    today = bounds.today.replace(day=1) if only_month else bounds.today
    if not f.allow_future and d > today:
        return f"不能晚于今天（{bounds.today.isoformat()}），实际为{v}"
    if bounds.birth is not None and f.key != "birth_date" and f.of_resident:
        birth = bounds.birth.replace(day=1) if only_month else bounds.birth
        if d < birth:
            return f"不能早于出生日期（{bounds.birth.isoformat()}），实际为{v}"
    return None


def _shown(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v[:30]}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "列表"
    if isinstance(v, dict):
        return "对象"
    return str(v)[:30]
