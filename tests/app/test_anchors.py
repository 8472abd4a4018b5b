"""The audit chain is anchored outside the database (head file, backup manifests): a key holder
who truncates, rewrites or rolls back the log, or a lost -wal file, is reported by `cunyi check`
and at login, naming what is missing. Issue 12."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from opshelp import PASSWORD, USER, cli, make_store, person

from app.services import anchors, audit, backup, residents
from app.store import Store
from tests.chainhelp import raw, rehash


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    store = make_store(d)
    for i in range(3):
        residents.add(store, person(i))
    store.close()
    return d


def checkpoint(data: Path) -> None:
    """Everything committed into the database file itself (as an idle installation has it)."""
    conn = raw(data)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def check(data: Path) -> tuple[int, list[str]]:
    r = cli(data, "check", "--json")
    return r.returncode, json.loads(r.stdout)["problems"] if r.stdout.strip() else [r.stderr]


def test_the_head_file_follows_every_commit(data: Path) -> None:
    store = Store.open(data, USER, PASSWORD)
    try:
        residents.add(store, person(9))
        last = audit.entries(store)[-1]
    finally:
        store.close()
    head = anchors.read_head(data)
    assert head is not None and (head["seq"], head["hash"]) == (last["seq"], audit_hash(data, last["seq"]))
    assert check(data)[1] == []


def audit_hash(data: Path, seq: int) -> str:
    conn = raw(data)
    try:
        return conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()[0]
    finally:
        conn.close()


def test_a_truncated_log_is_reported_by_check_and_at_login(data: Path) -> None:
    head = anchors.read_head(data)
    conn = raw(data)
    conn.execute("DELETE FROM audit WHERE seq > ?", (head["seq"] - 2,))
    conn.close()
    login = cli(data, "resident", "find", "a")  # the first login after it says what is gone
    assert login.returncode == 0 and "警告" in login.stderr
    assert f"缺少第{head['seq'] - 1}–{head['seq']}条" in login.stderr, login.stderr
    # Later entries take the freed numbers: still reported, as a rewritten entry now.
    code, problems = check(data)
    assert code != 0 and any(f"第{head['seq']}条" in p for p in problems), problems


def test_a_rewritten_and_rehashed_log_is_reported(data: Path) -> None:
    conn = raw(data)
    conn.execute("UPDATE audit SET user = 'someone' WHERE action = 'create'")
    rehash(conn)
    conn.close()
    store = Store.open(data, USER, PASSWORD)
    try:
        with store.session() as s:  # the chain itself is consistent again...
            assert audit.verify_chain(s) == []
        # ...but not with what was written outside the database
        assert any("被改写" in p for p in store.anchor_problems), store.anchor_problems
    finally:
        store.close()


def lose_the_last_save(data: Path, tmp_path: Path) -> None:
    """A save whose -wal file is then lost: the database file is as it was before it."""
    before = tmp_path / "before.db"
    checkpoint(data)
    shutil.copy2(data / "cunyi.db", before)
    store = Store.open(data, USER, PASSWORD)
    residents.add(store, person(8))
    store.close()
    for name in ("cunyi.db-wal", "cunyi.db-shm"):
        (data / name).unlink(missing_ok=True)
    shutil.copy2(before, data / "cunyi.db")


def test_lost_committed_work_is_reported(data: Path, tmp_path: Path) -> None:
    """The -wal file held the last saves and was lost: the database alone looks complete."""
    lose_the_last_save(data, tmp_path)
    code, problems = check(data)
    assert code != 0 and any("-wal" in p for p in problems), problems


def test_a_rolled_back_folder_is_caught_by_a_later_backup(data: Path, tmp_path: Path) -> None:
    old = tmp_path / "old-copy"
    checkpoint(data)
    shutil.copytree(data, old)  # everything, the head file included
    store = Store.open(data, USER, PASSWORD)
    residents.add(store, person(7))
    backup.write_backup(store, data / "backups" / "later.cunyibak")
    store.close()
    for name in ("cunyi.db", "keys.json", anchors.HEAD_NAME):
        shutil.copy2(old / name, data / name)
    for name in ("cunyi.db-wal", "cunyi.db-shm"):
        (data / name).unlink(missing_ok=True)
    code, problems = check(data)
    assert code != 0 and any("的备份" in p and "短" in p for p in problems), problems


def test_a_restore_moves_the_anchor_and_newer_backups_raise_no_alarm(data: Path, tmp_path: Path) -> None:
    store = Store.open(data, USER, PASSWORD)
    backup.write_backup(store, tmp_path / "old.cunyibak")
    residents.add(store, person(6))
    backup.write_backup(store, data / "backups" / "newer.cunyibak")
    store.close()
    backup.restore(data, tmp_path / "old.cunyibak", USER, PASSWORD)
    assert check(data) == (0, [])
    store = Store.open(data, USER, PASSWORD)
    try:
        assert store.anchor_problems == []
    finally:
        store.close()


def test_an_admin_accepts_what_was_looked_into_and_the_warnings_stop(data: Path, tmp_path: Path) -> None:
    lose_the_last_save(data, tmp_path)
    accepted = cli(data, "check", "--accept-anchors", "--json")
    assert accepted.returncode == 0, accepted.stderr
    assert "已确认1个" in accepted.stderr
    assert check(data) == (0, [])
    login = cli(data, "resident", "find", "a")
    assert login.returncode == 0 and "警告" not in login.stderr
    # In another process: this one saw the files swapped under it.
    entries = json.loads(cli(data, "audit", "--json").stdout)
    assert any((e.get("detail") or {}).get("accepted") == 1 for e in entries)
