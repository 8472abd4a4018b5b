"""`cunyi check` finds damaged pages, a tampered audit chain and broken references;
`cunyi audit` lists the log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlcipher3
from opshelp import PASSWORD, USER, cli, cli_json, make_store, person

from app.services import residents
from app.store import Store


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    store = make_store(d)
    for i in range(30):
        residents.add(store, person(i, address="示例村" + "很长的地址" * 20))
    store.close()
    return d


def _raw(data: Path) -> sqlcipher3.Connection:
    """A direct connection with the data key, as an attacker or a bug with the key would have."""
    from app.crypto.keyfile import KeyFile

    key = KeyFile.load(data / "keys.json").unwrap(USER, PASSWORD)
    conn = sqlcipher3.connect(str(data / "cunyi.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def test_check_passes_on_sound_data_and_is_audited(data: Path) -> None:
    r = cli(data, "check")
    assert r.returncode == 0, r.stderr
    assert "数据完整" in r.stdout
    out = cli_json(data, "check", "--json")
    assert out == {"ok": True, "problems": []}
    actions = [e["action"] for e in cli_json(data, "audit", "--json")]
    assert actions.count("check") == 2


def test_check_reports_a_tampered_audit_entry(data: Path) -> None:
    conn = _raw(data)
    conn.execute("DROP TRIGGER audit_no_update")  # what someone with the key could do
    conn.execute("UPDATE audit SET user = 'someone' WHERE seq = 3")
    conn.commit()
    conn.close()
    r = cli(data, "check")
    assert r.returncode == 1
    assert "审计日志第3条" in r.stderr and "Traceback" not in r.stderr
    out = json.loads(cli(data, "check", "--json").stdout)
    assert out["ok"] is False and any("第3条" in p for p in out["problems"])


def test_check_reports_a_removed_audit_entry(data: Path) -> None:
    conn = _raw(data)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = 5")
    conn.commit()
    conn.close()
    r = cli(data, "check", "--json")
    assert r.returncode == 1 and "缺少第5条" in r.stdout


def test_check_reports_a_broken_reference(data: Path) -> None:
    conn = _raw(data)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE resident SET household_uuid = 'nobody' WHERE rowid = 7")
    conn.commit()
    conn.close()
    r = cli(data, "check")
    assert r.returncode == 1 and "resident 表第7行" in r.stderr and "household" in r.stderr
    assert "外键" in r.stderr


def test_check_reports_a_search_term_of_nobody(data: Path) -> None:
    # The term table has no foreign key (migration 0007): the check compares it with the lists.
    conn = _raw(data)
    conn.execute("INSERT INTO resident_term (kind, term, resident_uuid) VALUES ('N', 'x', 'nobody')")
    conn.commit()
    conn.close()
    r = cli(data, "check")
    assert r.returncode == 1 and "检索表中有1条检索词不在其居民的检索词列表中" in r.stderr


def test_check_reports_a_damaged_page(data: Path) -> None:
    db = data / "cunyi.db"
    conn = _raw(data)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    raw = bytearray(db.read_bytes())
    page = pages - 2  # a data page near the end, away from the schema the login reads
    raw[(page - 1) * 4096 + 200] ^= 0x55
    db.write_bytes(raw)
    r = cli(data, "check")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "损坏" in r.stderr or "校验" in r.stderr


def test_audit_lists_entries_since_a_date(data: Path) -> None:
    rows = cli_json(data, "audit", "--json")
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert {"seq", "at", "user", "action", "entity", "entity_uuid", "detail", "hash"} <= set(rows[0])
    assert rows[0]["action"] == "init"
    assert sum(r["action"] == "create" for r in rows) == 30
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert cli_json(data, "audit", "--json", "--since", tomorrow) == []
    today = dt.date.today().isoformat()
    assert len(cli_json(data, "audit", "--json", "--since", today)) >= len(rows)
    text = cli(data, "audit").stdout
    assert "init" in text and "create" in text


def test_check_needs_a_login(data: Path) -> None:
    r = cli(data, "check", password="wrong-password")
    assert r.returncode == 4 and "密码" in r.stderr
    store = Store.open(data, USER, PASSWORD)  # the failure is audited at the next login
    from app.services import audit

    assert any(e["action"] == "login_failed" for e in audit.entries(store))
    store.close()
