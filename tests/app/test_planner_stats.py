"""The planner's statistics (app/db/planner.py): written by every migration and by a large
import, so SQLite picks the schedules' index instead of guessing."""

from __future__ import annotations

from sqlalchemy import text

from app.services import importer
from app.services.demo_people import households
from app.services.import_table import Row


def stat(store, table: str) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(i, st) for i, st in s.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table})]


def test_migration_and_large_import_refresh_the_statistics(store, monkeypatch):
    with store.session() as s:
        assert s.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() == 1
    assert not any(st.startswith("3 ") or st == "3" for _i, st in stat(store, "resident"))
    monkeypatch.setattr(importer, "REFRESH_AFTER", 3)
    import datetime as dt

    people = households(3, seed=7, today=dt.date.today())
    report = importer.import_rows(store, [Row(i + 2, p.data) for i, p in enumerate(people)], workers=0)
    assert report["imported"] == 3
    assert any(st.split()[0] == "3" for _i, st in stat(store, "resident"))
