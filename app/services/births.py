"""Live births per village and year (年度辖区内活产数): the denominator of 新生儿访视率 (and of
the maternal indicators) where the records cannot give it (a baby born and moved away, or
never registered here), entered by the administrator. Settings rows "births:<village>:<year>",
as population.py keeps the resident population. Without an entry the indicators count the
children born in the year among the registered residents, and say so."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select

from app import roles
from app.db.models import Setting
from app.errors import InvalidInput
from app.services import audit

if TYPE_CHECKING:
    from app.store import Store

PREFIX = "births:"
MAX = 1_000_000


def _key(village: str, year: int) -> str:
    return f"{PREFIX}{village}:{year}"


def check(village: str, year: int, count: int) -> None:
    if not (isinstance(village, str) and len(village) == 3 and village.isdigit()):
        raise InvalidInput.field("village", "村", f"须为3位村（居）委会代码，现为“{village}”")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2200:
        raise InvalidInput.field("year", "年度", f"须为1990–2200之间的年份，现为 {year}")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX:
        raise InvalidInput.field("births", "活产数", f"须为0–{MAX:,}之间的整数，现为 {count}")


def put(store: Store, village: str, year: int, count: int) -> None:
    """Set (or correct) a village's live births of a year; administrators only."""
    roles.require(store, "settings")
    check(village, year, count)
    with store.session(write=True) as s:
        row = s.get(Setting, _key(village, year))
        old = json.loads(row.value) if row else None
        if row is None:
            s.add(Setting(key=_key(village, year), value=json.dumps(count)))
        else:
            row.value = json.dumps(count)
        audit.append(s, store.user.name, "update", "setting", None,
                     {"village": village, "year": year, "births": count, "old_births": old})  # fmt: skip


def all_entries(store: Store) -> list[dict[str, int | str]]:
    with store.session() as s:
        rows = s.execute(select(Setting).where(Setting.key.like(f"{PREFIX}%"))).scalars()
        out = []
        for r in rows:
            _p, village, year = r.key.split(":")
            out.append({"village": village, "year": int(year), "births": json.loads(r.value)})
    return sorted(out, key=lambda e: (-int(e["year"]), str(e["village"])))


def total(store: Store, year: int, village: str | None) -> int | None:
    """The live births entered for the year (one village, or the sum over the entered
    villages); None when none is entered."""
    entries = {str(e["village"]): int(e["births"]) for e in all_entries(store) if e["year"] == year}
    if village:
        return entries.get(village)
    return sum(entries.values()) if entries else None
