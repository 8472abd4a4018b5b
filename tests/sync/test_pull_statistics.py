"""A large pull refreshes the planner's statistics (issue 14): the hospital's first sync brings
the clinic's residents, and its due list then plans with sqlite_stat1 as after an import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from sync import client
from tests.sync.synchelp import add_residents


def resident_stat(store: Any) -> list[str]:
    with store.session() as s:
        return [st for (st,) in s.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'resident'"))]


def test_a_large_pull_writes_the_statistics(three: Any, monkeypatch: Any) -> None:
    a, _b, hospital, _t = three
    add_residents(a.store, 5)
    a.sync()
    before = resident_stat(hospital.store)
    assert not any(st.split()[0] == "5" for st in before)
    monkeypatch.setattr(client, "LARGE_PULL", 5)  # 1,000 in use; five residents here
    out = hospital.sync()
    assert out["pulled"] >= 5
    assert any(st.split()[0] == "5" for st in resident_stat(hospital.store))
