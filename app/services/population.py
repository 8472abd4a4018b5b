"""Resident population per village and year (辖区内常住居民数): the denominators the records cannot
give, entered by the administrator. Kept as settings rows "population:<village>:<year>"."""

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

PREFIX = "population:"
MAX = 10_000_000


def _key(village: str, year: int) -> str:
    return f"{PREFIX}{village}:{year}"


def check(village: str, year: int, count: int) -> None:
    if not (isinstance(village, str) and len(village) == 3 and village.isdigit()):
        raise InvalidInput.field("village", "村", f"须为3位村（居）委会代码，现为“{village}”")
    if not isinstance(year, int) or not 1990 <= year <= 2200:
        raise InvalidInput.field("year", "年度", f"须为1990–2200之间的年份，现为 {year}")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= MAX:
        raise InvalidInput.field("population", "常住人口数", f"须为1–{MAX:,}之间的整数，现为 {count}")


def put(store: Store, village: str, year: int, count: int) -> None:
    """Set (or correct) a village's population for a year; administrators only."""
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
                     {"village": village, "year": year, "population": count,
                      "old_population": old})  # fmt: skip


def all_entries(store: Store) -> list[dict[str, int | str]]:
    with store.session() as s:
        rows = s.execute(select(Setting).where(Setting.key.like(f"{PREFIX}%"))).scalars()
        out = []
        for r in rows:
            _p, village, year = r.key.split(":")
            out.append({"village": village, "year": int(year), "population": json.loads(r.value)})
    return sorted(out, key=lambda e: (-int(e["year"]), str(e["village"])))


def total(store: Store, year: int, village: str | None,
          villages_seen: list[str]) -> tuple[int | None, str]:  # fmt: skip
    """The population for the year (one village, or the sum over the entered villages) and a
    note when it is missing or covers fewer villages than have residents."""
    entries = {str(e["village"]): int(e["population"]) for e in all_entries(store) if e["year"] == year}
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
