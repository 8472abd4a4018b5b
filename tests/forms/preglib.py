"""Maternal records for the pregnancy tests (a plain module: no conftest, so names never clash)."""

from __future__ import annotations

import datetime as dt
from itertools import count

from forms import pregnancy as P

_n = count()


def rec(form: str, day: str, **doc: object) -> P.MaternalRecord:
    return P.MaternalRecord(f"r{next(_n)}", form, dt.date.fromisoformat(day), {"visit_date": day, **doc})


def first(day: str, lmp: str | None = None, **doc: object) -> P.MaternalRecord:
    return rec(P.FIRST, day, **({"lmp": lmp} if lmp else {}), **doc)


def follow(day: str, no: int | None = None, **doc: object) -> P.MaternalRecord:
    return rec(P.FOLLOWUP, day, **({"visit_no": no} if no else {}), **doc)
