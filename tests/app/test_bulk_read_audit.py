"""Reads of many people at once are audited: a find returning more than a page, and a household
with its members (CLI and the service the desktop client uses). Issue 12."""

from __future__ import annotations

import json
from pathlib import Path

from opshelp import PASSWORD, USER, cli, make_store

from app.services import audit, households, residents
from app.store import Store


def _entries(data: Path) -> list[dict]:
    store = Store.open(data, USER, PASSWORD)
    try:
        return audit.entries(store)
    finally:
        store.close()


def test_a_find_of_more_than_a_page_is_audited_without_the_query(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = make_store(data)
    for i in range(60):
        residents.add(store, {"name": f"王{'一二三四五六七八九十'[i % 10]}{'甲乙丙丁戊己'[i // 10]}",
                              "sex": "1", "birth_date": f"19{40 + i % 50}-01-0{1 + i % 9}"},
                      allow_similar=True)  # fmt: skip
    store.close()
    small = cli(data, "resident", "find", "王一", "--json")
    assert small.returncode == 0 and 0 < len(json.loads(small.stdout)) <= 50
    assert not [e for e in _entries(data) if (e.get("detail") or {}).get("bulk")]
    big = cli(data, "resident", "find", "wang", "--json")
    assert big.returncode == 0 and len(json.loads(big.stdout)) == 60
    [entry] = [e for e in _entries(data) if (e.get("detail") or {}).get("bulk")]
    assert entry["action"] == "view" and entry["detail"] == {"bulk": 60}
    assert "wang" not in json.dumps(entry)


def test_a_household_view_is_audited(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = make_store(data)
    r = residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31",
                              "household": "3组5号"})  # fmt: skip
    residents.add(store, {"name": "李建国", "sex": "1", "birth_date": "1947-02-03",
                          "household": "3组5号"})  # fmt: skip
    h = households.get(store, r["uuid"])  # a household is named by any member
    store.close()
    entries = [e for e in _entries(data) if e["entity"] == "household" and e["action"] == "view"]
    assert len(entries) == 1 and entries[-1]["entity_uuid"] == h["uuid"]
    assert entries[-1]["entity_uuid"] == h["uuid"] and entries[-1]["detail"] == {"members": 2}
    out = cli(data, "household", "show", r["record_no"], "--json")
    assert out.returncode == 0, out.stderr
    views = [e for e in _entries(data) if e["entity"] == "household" and e["action"] == "view"]
    assert len(views) == 2
