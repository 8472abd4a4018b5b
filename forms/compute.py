"""Computed fields: BMI and the elderly self-care score, shared by several forms."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.checks import is_number

# 老年人生活自理能力评估表: total -> level code of the "selfcare_level" table.
SELFCARE_BANDS = ((3, "1"), (8, "2"), (18, "3"))


def round_half_up(x: float, places: int) -> float:
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def number_in(doc: dict[str, Any], key: str, lo: float, hi: float) -> float | None:
    v = doc.get(key)
    return float(v) if is_number(v) and lo <= v <= hi else None


def bmi(weight_kg: float, height_cm: float) -> float:
    """体质指数 = 体重(kg) / 身高(m)², to one decimal (the paper's precision)."""
    return round_half_up(weight_kg / (height_cm / 100) ** 2, 1)


def bmi_step(weight_key: str, height_key: str, out_key: str) -> Any:
    """A compute step setting out_key from in-range weight and height, else leaving it out."""

    def step(doc: dict[str, Any]) -> dict[str, Any]:
        w = number_in(doc, weight_key, 1, 500)
        h = number_in(doc, height_key, 30, 250)
        if w is not None and h is not None:
            doc[out_key] = bmi(w, h)
        return doc

    return step


def selfcare_level(total: int) -> str:
    """The self-care level code (1可自理 2轻度依赖 3中度依赖 4不能自理) for a total score."""
    for upper, level in SELFCARE_BANDS:
        if total <= upper:
            return level
    return "4"
