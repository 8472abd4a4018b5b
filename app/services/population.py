"""Resident population per village and year (辖区内常住居民数): the denominators the records cannot
give, entered by the administrator. Kept as settings rows "population:<village>:<year>"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.village_figures import VillageFigure

if TYPE_CHECKING:
    from app.store import Store

MAX = 10_000_000
FIGURE = VillageFigure("population", "population", "常住人口数", 1, MAX)
check, put, all_entries = FIGURE.check, FIGURE.put, FIGURE.all_entries


def total(store: Store, year: int, village: str | None,
          villages_seen: list[str]) -> tuple[int | None, str]:  # fmt: skip
    """The population for the year (one village, or the sum over the entered villages) and a
    note when it is missing or covers fewer villages than have residents."""
    entries = FIGURE.of_year(store, year)
    if village:
        if village not in entries:
            return None, f"未录入村{village} {year}年常住人口数（统计指标 → 常住人口…，或 cunyi population set）"
        return entries[village], "分母为录入的常住人口数"
    if not entries:
        return None, f"未录入{year}年常住人口数（统计指标 → 常住人口…，或 cunyi population set）"
    missing = sorted(set(villages_seen) - set(entries))
    note = "分母为各村录入的常住人口数之和"
    if missing:
        note += f"；村{'、'.join(missing)}未录入，未计入分母"
    return sum(entries.values()), note
