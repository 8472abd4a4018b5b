"""Restoring over a working installation needs one of its current administrators; the log that
is replaced records the restore and the restored one says where it ended. Issue 12, point 4."""

from __future__ import annotations

from pathlib import Path

import pytest
from opshelp import PASSWORD, USER, make_store, person

from app.crypto.keyfile import KeyFile
from app.errors import AuthError
from app.services import audit, backup, residents, users
from app.store import Store

OTHER, OTHER_PW = "li", "li-admin-pw"


@pytest.fixture
def installation(tmp_path: Path) -> tuple[Path, Path]:
    """A clinic with two admins, a backup made while both were active, then a later resident."""
    data = tmp_path / "data"
    store = make_store(data)
    residents.add(store, person(1))
    users.add(store, OTHER, "admin", OTHER_PW)
    out = tmp_path / "old.cunyibak"
    backup.write_backup(store, out)
    residents.add(store, person(2))
    store.close()
    return data, out


def test_a_disabled_admin_cannot_restore_an_old_backup(installation) -> None:
    data, out = installation
    store = Store.open(data, USER, PASSWORD)
    users.disable(store, OTHER)
    store.close()
    slots = KeyFile.load(data / "keys.json").slots
    with pytest.raises(AuthError, match="停用"):
        backup.restore(data, out, OTHER, OTHER_PW)  # the backup still knows him as an admin
    # Nothing replaced (the later resident is there, he is still disabled); the attempt is
    # counted and audited like a failed login.
    assert KeyFile.load(data / "keys.json").slots == slots
    assert not list(data.glob("replaced-*"))
    store = Store.open(data, USER, PASSWORD)
    try:
        assert residents.count(store) == 2
        assert {u["name"]: u["state"] for u in users.list_users(store)}[OTHER] == "disabled"
        assert (OTHER, "disabled") in [(e["user"], (e["detail"] or {}).get("reason"))
                                       for e in audit.entries(store)]  # fmt: skip
    finally:
        store.close()


def test_someone_who_is_not_an_admin_here_cannot_restore(installation) -> None:
    data, out = installation
    store = Store.open(data, USER, PASSWORD)
    users.add(store, "nurse1", "nurse", "nurse-pw-1")
    store.close()
    with pytest.raises(AuthError):
        backup.restore(data, out, "nurse1", "nurse-pw-1")  # not in the backup, not an admin here
    store = Store.open(data, USER, PASSWORD)
    try:
        assert residents.count(store) == 2
    finally:
        store.close()


def test_both_logs_record_the_restore_and_the_replaced_data_is_kept(installation) -> None:
    data, out = installation
    result = backup.restore(data, out, USER, PASSWORD)
    previous = Path(result["previous"])
    kf = KeyFile.load(previous / "keys.json")
    old = Store.open_with_key(previous, kf, kf.unwrap(USER, PASSWORD), USER)
    try:
        assert residents.count(old) == 2  # the replaced data, whole
        last = audit.entries(old)[-1]
        assert last["action"] == "restore" and last["detail"] == {"replaced_by_backup": True}
    finally:
        old.close()
    store = Store.open(data, USER, PASSWORD)
    try:
        assert residents.count(store) == 1
        restore = [e for e in audit.entries(store) if e["action"] == "restore"][-1]
        assert restore["detail"]["replaced_kept"] == previous.name
        assert restore["detail"]["replaced_head"]["seq"] == last["seq"]
    finally:
        store.close()


def test_a_damaged_live_database_can_be_restored_by_an_enabled_admin(installation) -> None:
    data, out = installation
    db = data / "cunyi.db"
    raw = bytearray(db.read_bytes())
    raw[:4096] = b"\0" * 4096  # the first page gone: nothing opens it
    db.write_bytes(bytes(raw))
    for name in ("cunyi.db-wal", "cunyi.db-shm"):
        (data / name).unlink(missing_ok=True)
    backup.restore(data, out, USER, PASSWORD)
    store = Store.open(data, USER, PASSWORD)
    try:
        assert residents.count(store) == 1
    finally:
        store.close()


def test_a_killed_restore_leaves_no_staging_copy_at_the_next_start(installation) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    data, out = installation
    # A restore that is killed while its copy is unpacked: the stage holds a decrypted-key-file
    # copy and the database (a real restore process, stopped by SIGKILL at that point).
    code = ("import sys, time; from pathlib import Path; from app.services import backup\n"
            "with backup.staging(Path(sys.argv[1]), backup.RESTORE_PREFIX) as stage:\n"
            "    backup.unpack(Path(sys.argv[2]), stage); print('unpacked', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(data), str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert proc.stdout.readline().strip() == "unpacked"
    [stage] = list(data.glob(".restore-*"))
    assert (stage / "keys.json").exists()
    # While it runs, a start leaves it alone...
    Store.open(data, USER, PASSWORD).close()
    assert stage.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.1)
    # ...once it is dead, the next start removes it.
    Store.open(data, USER, PASSWORD).close()
    assert not list(data.glob(".restore-*"))
