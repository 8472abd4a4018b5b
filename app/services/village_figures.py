"""Figures per village and year that the records cannot give and an administrator enters (the
resident population, the live births): one settings row "<prefix>:<village>:<year>" each, a
change audited with the old value. population.py and births.py say which figure and its limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from app import roles
from app.db.models import Setting
from app.errors import InvalidInput
from app.services import audit

if TYPE_CHECKING:
    from app.store import Store


@dataclass(frozen=True)
class VillageFigure:
    prefix: str  # of the settings key
    key: str  # the field name in entries, audit entries and messages ("population", "births")
    label: str  # Chinese, as the messages name it
    low: int  # the smallest allowed count
    high: int

    def _row_key(self, village: str, year: int) -> str:
        return f"{self.prefix}:{village}:{year}"

    def check(self, village: str, year: int, count: int) -> None:
        if not (isinstance(village, str) and len(village) == 3 and village.isdigit()):
            raise InvalidInput.field("village", "村", f"须为3位村（居）委会代码，现为“{village}”")
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2200:
            raise InvalidInput.field("year", "年度", f"须为1990–2200之间的年份，现为 {year}")
        if not isinstance(count, int) or isinstance(count, bool) or not self.low <= count <= self.high:
            raise InvalidInput.field(self.key, self.label, f"须为{self.low}–{self.high:,}之间的整数，现为 {count}")

    def put(self, store: Store, village: str, year: int, count: int) -> None:
        """Set (or correct) a village's figure for a year; administrators only."""
        roles.require(store, "settings")
        self.check(village, year, count)
        with store.session(write=True) as s:
            row = s.get(Setting, self._row_key(village, year))
            old = json.loads(row.value) if row else None
            if row is None:
                s.add(Setting(key=self._row_key(village, year), value=json.dumps(count)))
            else:
                row.value = json.dumps(count)
            audit.append(s, store.user.name, "update", "setting", None,
                         {"village": village, "year": year, self.key: count, f"old_{self.key}": old})  # fmt: skip

    def all_entries(self, store: Store) -> list[dict[str, int | str]]:
        """Every entry, the latest year first, then by village."""
        with store.session() as s:
            rows = s.execute(select(Setting).where(Setting.key.like(f"{self.prefix}:%"))).scalars()
            out = []
            for r in rows:
                _p, village, year = r.key.split(":")
                out.append({"village": village, "year": int(year), self.key: json.loads(r.value)})
        return sorted(out, key=lambda e: (-int(e["year"]), str(e["village"])))

    def of_year(self, store: Store, year: int) -> dict[str, int]:
        """village -> the figure entered for `year`."""
        return {str(e["village"]): int(e[self.key]) for e in self.all_entries(store) if e["year"] == year}
