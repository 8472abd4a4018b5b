"""Backups open with the same logins; restore verifies before it replaces anything."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from opshelp import PASSWORD, USER, cli, cli_json, fingerprint, make_store, person

from app.errors import AuthError, DataError
from app.services import audit, backup, residents
from app.store import Store


@pytest.fixture
def installation(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = make_store(data)
    for i in range(3):
        residents.add(store, person(i))
    store.close()
    return data


def test_backup_opens_with_same_login_and_holds_no_plain_personal_data(installation: Path,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "b" / "clinic.cunyibak"
    r = cli_json(installation, "backup", "-o", str(out), "--json")
    assert Path(r["path"]) == out and out.exists()
    raw = out.read_bytes()
    for i in range(3):
        p = person(i)
        for value in (p["name"], p["id_number"], p["phone"]):
            assert value.encode() not in raw and value.encode("utf-16-le") not in raw
    # Restore into an empty directory: it opens with the same user and password.
    fresh = tmp_path / "fresh"
    r = cli(fresh, "restore", str(out))
    assert r.returncode == 0, r.stderr
    found = cli_json(fresh, "resident", "find", person(1)["name"], "--json")
    assert [x["id_number"] for x in found] == [person(1)["id_number"]]
    assert "restore" in [e["action"] for e in cli_json(fresh, "audit", "--json")]
    assert "backup" in [e["action"] for e in cli_json(installation, "audit", "--json")]
    assert cli(fresh, "check").returncode == 0


def test_restore_brings_back_the_state_of_the_backup_and_keeps_previous_files(
    installation: Path, tmp_path: Path
) -> None:
    out = tmp_path / "before.cunyibak"
    cli_json(installation, "backup", "-o", str(out), "--json")
    store = Store.open(installation, USER, PASSWORD)
    later = residents.add(store, person(7))
    store.close()
    r = cli(installation, "restore", str(out), "--json")
    assert r.returncode == 0, r.stderr
    previous = Path(json.loads(r.stdout)["previous"])
    assert (previous / "cunyi.db").exists() and (previous / "keys.json").exists()
    assert cli(installation, "resident", "show", later["uuid"]).returncode == 5
    store = Store.open(installation, USER, PASSWORD)
    assert residents.count(store) == 3
    store.close()
    # The set-aside copy is the data as it was, and it still opens.
    from app.crypto.keyfile import KeyFile

    kf = KeyFile.load(previous / "keys.json")
    old = Store.open_with_key(previous, kf, kf.unwrap(USER, PASSWORD), USER)
    assert residents.count(old) == 4
    old.close()


def test_restore_refuses_wrong_password_and_changes_nothing(installation: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.cunyibak"
    cli_json(installation, "backup", "-o", str(out), "--json")
    before = fingerprint(installation)
    r = cli(installation, "restore", str(out), password="not-the-password")
    assert r.returncode == 4 and "密码" in r.stderr and "Traceback" not in r.stderr
    assert fingerprint(installation) == before
    assert not [p for p in installation.iterdir() if p.name.startswith((".restore", "replaced"))]


@pytest.mark.parametrize("damage", ["flip_db_byte", "truncate", "not_a_backup", "no_manifest"])
def test_restore_refuses_a_damaged_file_and_changes_nothing(
    installation: Path, tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "b.cunyibak"
    cli_json(installation, "backup", "-o", str(out), "--json")
    raw = bytearray(out.read_bytes())
    if damage == "flip_db_byte":
        with zipfile.ZipFile(out) as zf:
            info = zf.getinfo("cunyi.db")
        pos = info.header_offset + 30 + len(info.filename) + 5000
        raw[pos] ^= 0xFF
        out.write_bytes(raw)
    elif damage == "truncate":
        out.write_bytes(raw[: len(raw) // 2])
    elif damage == "not_a_backup":
        out.write_text("name,sex\n张三,1\n", "utf-8")
    else:
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("cunyi.db", b"x")
    before = fingerprint(installation)
    r = cli(installation, "restore", str(out))
    assert r.returncode == 1, r.stderr
    assert ("损坏" in r.stderr or "不是村医备份" in r.stderr) and "Traceback" not in r.stderr
    assert fingerprint(installation) == before


def test_restore_refuses_a_backup_of_another_installation(installation: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    make_store(other, name="另一个卫生室").close()
    out = tmp_path / "other.cunyibak"
    cli_json(other, "backup", "-o", str(out), "--json")
    before = fingerprint(installation)
    r = cli(installation, "restore", str(out))
    assert r.returncode == 1 and "另一个安装" in r.stderr
    assert fingerprint(installation) == before


def test_restore_refuses_a_backup_whose_copy_fails_the_checks(installation: Path, tmp_path: Path) -> None:
    """A backup whose zip is intact but whose database has a damaged page (re-packed with a
    matching checksum) is caught by the SQLCipher page check before anything is replaced."""
    out = tmp_path / "b.cunyibak"
    cli_json(installation, "backup", "-o", str(out), "--json")
    stage = tmp_path / "stage"
    stage.mkdir()
    manifest, _ = backup.unpack(out, stage)
    db = bytearray((stage / "cunyi.db").read_bytes())
    db[4096 * 3 + 100] ^= 0xFF  # inside page 4
    (stage / "cunyi.db").write_bytes(db)
    manifest["db_sha256"] = backup.sha256(stage / "cunyi.db")
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.write(stage / "keys.json", "keys.json")
        zf.write(stage / "cunyi.db", "cunyi.db")
    before = fingerprint(installation)
    r = cli(installation, "restore", str(out))
    assert r.returncode == 1 and "校验" in r.stderr, r.stderr
    assert fingerprint(installation) == before


def test_restore_needs_an_admin_of_the_backup(installation: Path, tmp_path: Path) -> None:
    from app.services import users

    store = Store.open(installation, USER, PASSWORD)
    users.add(store, "nurse1", "nurse", "nurse-pass")
    out = tmp_path / "b.cunyibak"
    backup.write_backup(store, out)
    store.close()
    before = fingerprint(installation)
    r = cli(installation, "restore", str(out), user="nurse1", password="nurse-pass")
    assert r.returncode == 4 and "管理员" in r.stderr
    assert fingerprint(installation) == before


def test_auto_backup_once_a_day_keeps_n_and_each_opens(installation: Path, tmp_path: Path) -> None:
    store = Store.open(installation, USER, PASSWORD)
    folder = tmp_path / "auto"
    day = dt.datetime(2026, 3, 1, 18, 0)
    made = []
    for i in range(5):
        r = backup.auto_backup(store, folder, keep=3, now=day + dt.timedelta(days=i))
        assert not r["skipped"]
        made.append(Path(r["path"]))
        again = backup.auto_backup(store, folder, keep=3, now=day + dt.timedelta(days=i, hours=3))
        assert again["skipped"] and again["path"] == r["path"]
    kept = backup.auto_backups(folder)
    assert kept == made[:1:-1]  # the three newest, newest first
    for p in kept:
        assert backup.check_backup_file(p, store.data_key) == []
    backups = [e for e in audit.entries(store) if e["action"] == "backup"]
    assert len(backups) == 5 and all(e["detail"]["auto"] for e in backups)
    store.close()


def test_auto_backup_default_folder_is_inside_the_data_dir(installation: Path) -> None:
    store = Store.open(installation, USER, PASSWORD)
    r = backup.auto_backup(store)
    store.close()
    assert Path(r["path"]).parent == installation / "backups"


def test_check_backup_file_reports_a_damaged_backup(installation: Path, tmp_path: Path) -> None:
    store = Store.open(installation, USER, PASSWORD)
    out = tmp_path / "b.cunyibak"
    backup.write_backup(store, out)
    out.write_bytes(out.read_bytes()[:-200])
    assert backup.check_backup_file(out, store.data_key)
    store.close()


def test_service_errors_are_typed(installation: Path, tmp_path: Path) -> None:
    store = Store.open(installation, USER, PASSWORD)
    out = tmp_path / "b.cunyibak"
    backup.write_backup(store, out)
    store.close()
    with pytest.raises(AuthError):
        backup.restore(tmp_path / "x", out, USER, "wrong-password")
    with pytest.raises(DataError):
        backup.restore(tmp_path / "x", tmp_path / "missing.cunyibak", USER, PASSWORD)


def test_auto_backup_of_a_damaged_database_fails_and_keeps_the_older_backups(installation: Path,
                                                                             tmp_path: Path) -> None:
    import sqlcipher3

    store = Store.open(installation, USER, PASSWORD)
    folder = tmp_path / "auto"
    day = dt.datetime(2026, 3, 1, 18, 0)
    for i in range(2):
        backup.auto_backup(store, folder, keep=2, now=day + dt.timedelta(days=i))
    good = backup.auto_backups(folder)
    conn = sqlcipher3.connect(str(installation / "cunyi.db"))
    conn.execute(f"PRAGMA key = \"x'{store.data_key.hex()}'\"")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    store.close()
    raw = bytearray((installation / "cunyi.db").read_bytes())
    raw[(pages // 2) * 4096 + 300] ^= 0x5A  # a data page (the schema version's stays readable)
    (installation / "cunyi.db").write_bytes(raw)
    store = Store.open(installation, USER, PASSWORD)
    with pytest.raises(DataError):
        backup.auto_backup(store, folder, keep=2, now=day + dt.timedelta(days=2))
    store.close()
    assert backup.auto_backups(folder) == good  # the good ones were not rotated out
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    r = cli(installation, "backup", "-o", str(tmp_path / "manual.cunyibak"))
    assert r.returncode == 1 and "损坏" in r.stderr and "Traceback" not in r.stderr


def test_restore_of_another_installation_over_a_fresh_one_or_the_demo(installation: Path,
                                                                       tmp_path: Path) -> None:
    """A new laptop: set up empty (or started with the demo clinic), then given the clinic's
    backup. Both are replaced, and kept aside."""
    from app.services import demo

    out = tmp_path / "clinic.cunyibak"
    cli_json(installation, "backup", "-o", str(out), "--json")
    fresh = tmp_path / "fresh"
    make_store(fresh, name="新电脑").close()  # same admin login, no residents
    r = cli(fresh, "restore", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert len(cli_json(fresh, "resident", "find", "", "--json")) == 3
    assert (Path(json.loads(r.stdout)["previous"]) / "keys.json").exists()
    shown = tmp_path / "demo"
    demo.create(shown, residents=5)
    r = cli(shown, "restore", str(out))
    assert r.returncode == 0, r.stderr
    assert len(cli_json(shown, "resident", "find", "", "--json")) == 3
