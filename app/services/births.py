"""Live births per village and year (年度辖区内活产数): the denominator of 新生儿访视率 (and of
the maternal indicators) where the records cannot give it (a baby born and moved away, or
never registered here), entered by the administrator. Settings rows "births:<village>:<year>",
as population.py keeps the resident population. Without an entry the indicators count the
children born in the year among the registered residents, and say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.village_figures import VillageFigure

if TYPE_CHECKING:
    from app.store import Store

MAX = 1_000_000
FIGURE = VillageFigure("births", "births", "活产数", 0, MAX)
check, put, all_entries = FIGURE.check, FIGURE.put, FIGURE.all_entries


def total(store: Store, year: int, village: str | None) -> int | None:
    """The live births entered for the year (one village, or the sum over the entered
    villages); None when none is entered."""
    entries = FIGURE.of_year(store, year)
    if village:
        return entries.get(village)
    return sum(entries.values()) if entries else None
