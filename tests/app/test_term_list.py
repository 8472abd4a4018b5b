"""A resident's row lists its search terms (migration 0007) and the term table holds exactly those:
every writer keeps both in step, `cunyi check` finds where they are not, the migration lists the
terms of residents stored before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from opshelp import cli, person

from app import paths, search
from app.db import migrate
from app.errors import InvalidInput
from app.services import importer, integrity, lifecycle, residents
from app.services.import_table import Row
from app.store import Store

ADMIN, PASSWORD = "admin", "secret123"


def stored_terms(store: Store) -> tuple[dict[str, str | None], dict[str, set[tuple[str, str, int]]]]:
    """Per resident: its listed terms as stored, and its term rows (kind, term, ord)."""
    with store.cursor() as cur:
        listed = dict(cur.execute("SELECT uuid, terms FROM resident").fetchall())
        rows: dict[str, set[tuple[str, str, int]]] = {u: set() for u in listed}
        for kind, term, uuid, ord_ in cur.execute("SELECT kind, term, resident_uuid, ord FROM resident_term"):
            rows.setdefault(uuid, set()).add((kind, term, ord_))
    return listed, rows


def assert_in_step(store: Store) -> None:
    listed, rows = stored_terms(store)
    with store.cursor() as cur:
        state = {u: (s, n) for u, s, n in cur.execute("SELECT uuid, status, record_no FROM resident")}
    for uuid, packed in listed.items():
        assert packed is not None and search.unpack(packed), uuid
        place = search.order_key(*state[uuid])
        assert rows[uuid] == {(k, t, place) for k, t in search.unpack(packed)}, uuid
    with store.session() as s:
        assert integrity.check_session(s) == []


def test_every_writer_keeps_the_list_and_the_rows_in_step(store: Store) -> None:
    one = residents.add(store, person(1, name="单田芳", phone="13800138000"))
    importer.import_rows(store, [Row(i + 2, person(i + 10)) for i in range(30)])
    assert_in_step(store)
    # A new phone and an ID number change the terms; the old ones go. A rename keeps the former
    # name as a term (issue 15: a baby entered as 母亲姓名+之男 is found by both names).
    residents.update(store, one["uuid"], {"name": "单田", "phone": "13900139000"})
    assert_in_step(store)
    listed, rows = stored_terms(store)
    kinds_terms = {(k, t) for k, t, _ in rows[one["uuid"]]}
    assert ("N", "单田") in kinds_terms and ("N", "单田芳") in kinds_terms
    assert ("T", "00093100931") in kinds_terms and ("T", "00083100831") not in kinds_terms
    assert [r["uuid"] for r in residents.find(store, "单田芳")] == [one["uuid"]]
    assert [r["uuid"] for r in residents.find(store, "9000")] == [one["uuid"]]
    # Status changes move every term of the resident in the list (the trigger reads the list).
    lifecycle.set_status(store, one["uuid"], "moved", reason="迁往县城")
    assert_in_step(store)
    dup = residents.add(store, person(1, name="单田", id_number=""), allow_similar=True)
    lifecycle.merge(store, one["uuid"], dup["uuid"])
    assert_in_step(store)
    lifecycle.unmerge(store, dup["uuid"])
    lifecycle.set_status(store, one["uuid"], "active")
    assert_in_step(store)
    assert residents.find(store, "dt")[0]["uuid"] in {one["uuid"], dup["uuid"]}


def test_the_similar_resident_check_reads_the_whole_name_pinyin_from_the_list(store: Store) -> None:
    first = residents.add(store, person(1, name="单田芳", birth_date="1950-03-04", id_number=""))
    # Another character read the same ("shan tian fang"), born the same day: refused, naming her.
    with pytest.raises(InvalidInput) as refused:
        residents.add(store, person(2, name="善田芳", birth_date="1950-03-04", id_number=""))
    assert first["record_no"] in str(refused.value.errors)
    residents.add(store, person(2, name="善田芳", birth_date="1950-03-05", id_number=""))


def _delete_term(data: Path, store: Store, uuid: str) -> str:
    with store.session(write=True) as s:
        kind, term = search.unpack(s.connection().exec_driver_sql(
            "SELECT terms FROM resident WHERE uuid = ?", (uuid,)).scalar_one())[0]  # fmt: skip
        s.connection().exec_driver_sql(
            "DELETE FROM resident_term WHERE kind = ? AND term = ? AND resident_uuid = ?",
            (kind, term, uuid))  # fmt: skip
    return term


def test_check_reports_terms_missing_and_terms_no_resident_lists(data_dir: Path) -> None:
    store = Store.open(data_dir, ADMIN, PASSWORD)
    a = residents.add(store, person(1))
    residents.add(store, person(2))
    _delete_term(data_dir, store, a["uuid"])
    store.close()
    r = cli(data_dir, "check", user=ADMIN, password=PASSWORD)
    assert r.returncode == 1 and "1位居民的检索词缺失" in r.stderr and a["record_no"] in r.stderr
    assert "不在其居民的检索词列表中" not in r.stderr

    store = Store.open(data_dir, ADMIN, PASSWORD)
    with store.session(write=True) as s:  # a term row its resident does not list
        s.connection().exec_driver_sql(
            "INSERT INTO resident_term (kind, term, resident_uuid, ord) VALUES ('N', '某某', ?, 0)",
            (a["uuid"],))  # fmt: skip
    store.close()
    r = cli(data_dir, "check", user=ADMIN, password=PASSWORD)
    assert r.returncode == 1 and "检索表中有1条检索词不在其居民的检索词列表中" in r.stderr
    assert "1位居民的检索词缺失" in r.stderr


def test_migration_0007_lists_the_terms_of_residents_stored_before_it(data_dir: Path) -> None:
    store = Store.open(data_dir, ADMIN, PASSWORD)
    people = [residents.add(store, person(i)) for i in range(12)]
    lifecycle.set_status(store, people[3]["uuid"], "deceased", date="2026-01-02", reason="病故")
    listed_before, rows_before = stored_terms(store)
    key = store.data_key
    store.close()
    db = paths.db_path(data_dir)
    migrate.downgrade_file(db, key, "0006")
    import sqlcipher3

    conn = sqlcipher3.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    columns = {c[1] for c in conn.execute("PRAGMA table_info(resident)")}
    indexes = {i[1] for i in conn.execute("PRAGMA index_list(resident_term)")}
    fks = conn.execute("PRAGMA foreign_key_list(resident_term)").fetchall()
    conn.close()
    assert "terms" not in columns and "ix_resident_term_resident_uuid" in indexes and fks

    store = Store.open(data_dir, ADMIN, PASSWORD)  # upgrades to 0007
    try:
        listed, rows = stored_terms(store)
        def as_sets(lists: dict[str, str | None]) -> dict[str, set[tuple[str, str]]]:
            return {u: set(search.unpack(packed)) for u, packed in lists.items()}

        assert as_sets(listed) == as_sets(listed_before) and rows == rows_before
        assert_in_step(store)
        with store.cursor() as cur:
            assert "ix_resident_term_resident_uuid" not in {
                i[1] for i in cur.execute("PRAGMA index_list(resident_term)")
            }
            assert cur.execute("PRAGMA foreign_key_list(resident_term)").fetchall() == []
        # A writer leaving ord out still gets it (the fill trigger was made again on the copy).
        with store.session(write=True) as s:
            s.connection().exec_driver_sql(
                "INSERT INTO resident_term (kind, term, resident_uuid) VALUES ('N', '测试', ?)",
                (people[5]["uuid"],))  # fmt: skip
            assert s.connection().exec_driver_sql(
                "SELECT ord FROM resident_term WHERE term = '测试'").scalar_one() == search.order_key(
                "active", people[5]["record_no"])  # fmt: skip
            s.connection().exec_driver_sql("DELETE FROM resident_term WHERE term = '测试'")
        # The trigger of 0007 moves a stored resident's terms on a status change.
        lifecycle.set_status(store, people[3]["uuid"], "active")
        assert_in_step(store)
        assert residents.find(store, people[3]["record_no"])[0]["status"] == "active"
    finally:
        store.close()
