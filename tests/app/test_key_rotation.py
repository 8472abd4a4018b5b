"""Revocation that revokes: disabling a user, or resetting a password as compromised, replaces the
data key, so a copy of the old key file with the old password no longer opens the live database;
the remaining users and the recovery code still do, without anyone's password. Issue 12, point 3."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
from pathlib import Path

import pytest
import sqlcipher3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from app.crypto.keyfile import RECOVERY, KeyFile
from app.db.engine import probe
from app.db.models import Audit
from app.errors import AuthError, DataError
from app.services import residents, users
from app.store import Store
from tests.conftest import ADMIN, PASSWORD, Cli

NURSE, NURSE_PW = "nurse1", "nurse-pw-77"
DOCTOR, DOCTOR_PW = "doctor1", "doctor-pw-88"


def staffed(data_dir: Path) -> None:
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        users.add(store, NURSE, "nurse", NURSE_PW)
        users.add(store, DOCTOR, "doctor", DOCTOR_PW)
        residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"})
    finally:
        store.close()


def opens_live(data_dir: Path, old_keys: Path, user: str, password: str) -> bool:
    """Whether `old_keys` (a copy kept by someone) with `password` opens the live database."""
    key = KeyFile.load(old_keys).unwrap(user, password)
    try:
        probe(data_dir / "cunyi.db", key)
    except sqlcipher3.DatabaseError:
        return False
    return True


def names_of(data_dir: Path, user: str, password: str) -> list[str]:
    store = Store.open(data_dir, user, password)
    try:
        return [r["name"] for r in residents.find(store, "")]
    finally:
        store.close()


def audited(data_dir: Path, action: str, password: str = PASSWORD) -> list[dict]:
    store = Store.open(data_dir, ADMIN, password)
    try:
        with store.session() as s:
            return [json.loads(a.detail) if a.detail else {} for a in
                    s.execute(select(Audit).where(Audit.action == action)).scalars()]  # fmt: skip
    finally:
        store.close()


def test_disabling_a_user_locks_out_their_old_key_file_copy(data_dir, tmp_path, recovery_code):
    staffed(data_dir)
    kept = tmp_path / "nurse-kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    assert opens_live(data_dir, kept, NURSE, NURSE_PW)  # what the nurse could do until now
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        out = users.disable(store, NURSE)
        assert out["stale"] == [] and out["recovery_code"] is None
        assert names_of(data_dir, ADMIN, PASSWORD) == ["李秀英"]
        residents.add(store, {"name": "单田芳", "sex": "1", "birth_date": "1950-01-02"})  # same store
    finally:
        store.close()
    assert not opens_live(data_dir, kept, NURSE, NURSE_PW)
    # The kept copy put back in place of the live key file opens nothing either.
    shutil.copy(kept, data_dir / "keys.json.live")
    (data_dir / "keys.json").replace(data_dir / "keys.json.live")
    shutil.copy(kept, data_dir / "keys.json")
    with pytest.raises(DataError):
        Store.open(data_dir, NURSE, NURSE_PW)
    (data_dir / "keys.json.live").replace(data_dir / "keys.json")
    assert sorted(names_of(data_dir, DOCTOR, DOCTOR_PW)) == ["单田芳", "李秀英"]
    with pytest.raises(AuthError, match="已停用"):
        Store.open(data_dir, NURSE, NURSE_PW)
    users.recover(data_dir, recovery_code, DOCTOR, "doctor-new-99").close()
    assert sorted(names_of(data_dir, DOCTOR, "doctor-new-99")) == ["单田芳", "李秀英"]
    rotations = audited(data_dir, "key_rotate")
    assert rotations == [{"reason": "user_disable", "name": NURSE, "resealed": 2}]
    assert not (data_dir / "keys.next.json").exists()


def test_a_compromised_password_reset_replaces_the_key(data_dir, tmp_path):
    staffed(data_dir)
    kept = tmp_path / "kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        assert users.reset_password(store, DOCTOR, "doctor-new-55") is None  # forgotten: no change
        assert opens_live(data_dir, kept, DOCTOR, DOCTOR_PW)
        users.reset_password(store, DOCTOR, "doctor-new-66", compromised=True)
    finally:
        store.close()
    assert not opens_live(data_dir, kept, DOCTOR, DOCTOR_PW)
    assert names_of(data_dir, DOCTOR, "doctor-new-66") == ["李秀英"]
    assert names_of(data_dir, NURSE, NURSE_PW) == ["李秀英"]
    assert audited(data_dir, "key_rotate")[-1]["reason"] == "password_compromised"


def _legacy_slot(kf: KeyFile, name: str, secret: str, key: bytes) -> None:
    """A slot as versions before key pairs made it: the data key wrapped by the password."""
    from app.crypto.keyfile import _kek, current_cost

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    cost = current_cost()
    wrapped = AESGCM(_kek(secret, salt, cost)).encrypt(nonce, key, kf._aad(name))
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    kf.slots[name] = {**cost, "salt": b64(salt), "nonce": b64(nonce), "wrapped": b64(wrapped)}


def test_slots_made_before_key_pairs(data_dir, recovery_code):
    """A login gives its slot a key pair; a user who has not logged in since cannot receive the
    new key and needs a new password; an old recovery code is replaced by a new one."""
    staffed(data_dir)
    path = data_dir / "keys.json"
    kf = KeyFile.load(path)
    key = kf.unwrap(ADMIN, PASSWORD)
    for name, secret in ((ADMIN, PASSWORD), (NURSE, NURSE_PW), (DOCTOR, DOCTOR_PW),
                         (RECOVERY, recovery_code)):  # fmt: skip
        _legacy_slot(kf, name, secret, key)
    kf.check = None
    kf.save()
    store = Store.open(data_dir, ADMIN, PASSWORD)  # migrated at this login
    assert KeyFile.load(path).has_pair(ADMIN) and not KeyFile.load(path).has_pair(DOCTOR)
    try:
        out = users.disable(store, NURSE)
    finally:
        store.close()
    assert out["stale"] == [DOCTOR] and out["recovery_code"]
    with pytest.raises(AuthError, match="管理员重设"):
        Store.open(data_dir, DOCTOR, DOCTOR_PW)
    with pytest.raises(AuthError):
        users.recover(data_dir, recovery_code, ADMIN, "chief-new-42")
    users.recover(data_dir, out["recovery_code"], ADMIN, "chief-new-42").close()
    store = Store.open(data_dir, ADMIN, "chief-new-42")
    try:
        users.reset_password(store, DOCTOR, "doctor-new-66")
    finally:
        store.close()
    assert names_of(data_dir, DOCTOR, "doctor-new-66") == ["李秀英"]
    assert audited(data_dir, "key_rotate", "chief-new-42")[-1]["stale"] == [DOCTOR]


def test_cli_disable_and_compromised_reset_rotate(data_dir, tmp_path):
    staffed(data_dir)
    kept = tmp_path / "kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    cli = Cli(data_dir)
    r = cli("user", "reset-password", DOCTOR, "--compromised", env={"CUNYI_NEW_PASSWORD": "doctor-new-31"})
    assert r.returncode == 0 and "数据密钥已更换" in r.stdout, r.stderr
    assert not opens_live(data_dir, kept, DOCTOR, DOCTOR_PW)
    r = cli("user", "disable", NURSE)
    assert r.returncode == 0 and "数据密钥已更换" in r.stdout, r.stderr
    assert names_of(data_dir, DOCTOR, "doctor-new-31") == ["李秀英"]
    r = cli("user", "reset-password", "nobody1", env={"CUNYI_NEW_PASSWORD": "doctor-new-31"})
    assert r.returncode == 5 and "nobody1" in r.stderr


CHILD = """
import os, signal, sys
from pathlib import Path
from app.services import rotation, users
from app.store import Store

data, at, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])

def step(name):
    if name == "checkpointed":
        marker.write_text("rekeying")  # the parent may kill during the rekey
    if name == at:
        os.kill(os.getpid(), signal.SIGKILL)

rotation._step = step
store = Store.open(data, "admin", "secret123")
users.disable(store, "nurse1")
print("finished")
"""


def _pad(data_dir: Path) -> None:
    """A few megabytes more, so a kill can land inside the rekey's one transaction."""
    from app.services import audit

    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        with store.session(write=True) as s:
            for i in range(2500):
                audit.append(s, ADMIN, "check", detail={"pad": f"{i:06d}" + "x" * 1500})
    finally:
        store.close()


# Each step of the rotation, then kills at three delays into the rekey itself (its one transaction of
# ~5 MB took 0.15-0.3 s here: the later ones may land after its commit, which is covered too).
KILLS = ["start", "next_written", "audited", "checkpointed", "rekeyed", "switching", "switched",
         "0.03", "0.12", "0.2"]  # fmt: skip


@pytest.mark.slow
def test_a_rotation_killed_at_any_point_loses_nothing(data_dir, tmp_path, recovery_code):
    import os
    import subprocess
    import sys
    import time

    from app.services import integrity
    from tests.conftest import ROOT

    staffed(data_dir)
    _pad(data_dir)
    template = tmp_path / "template"
    shutil.copytree(data_dir, template)
    kept = tmp_path / "kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    outcomes = set()
    for at in KILLS:
        shutil.rmtree(data_dir)
        shutil.copytree(template, data_dir)
        marker = tmp_path / "marker"
        marker.unlink(missing_ok=True)
        timed = at[0].isdigit()
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), "" if timed else at,
                                  str(marker)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        if timed:
            deadline = time.monotonic() + 60
            while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(float(at))
            child.kill()  # SIGKILL
        out, err = child.communicate(timeout=60)
        if not timed:
            assert child.returncode == -9, (at, child.returncode, err)
        outcomes.add((data_dir / "keys.next.json").exists())
        # The remaining users open it, with nothing lost; the next login finishes the change.
        store = Store.open(data_dir, ADMIN, PASSWORD)
        try:
            assert store.anchor_problems == [], (at, store.anchor_problems)
            assert integrity.check_store(store) == [], at
            assert [r["name"] for r in residents.find(store, "")] == ["李秀英"]
        finally:
            store.close()
        assert not (data_dir / "keys.next.json").exists(), at
        assert not opens_live(data_dir, kept, NURSE, NURSE_PW), at
        with pytest.raises(AuthError, match="已停用"):
            Store.open(data_dir, NURSE, NURSE_PW)
        assert names_of(data_dir, DOCTOR, DOCTOR_PW) == ["李秀英"], at
        users.recover(data_dir, recovery_code, DOCTOR, "doctor-new-99").close()
        rotations = audited(data_dir, "key_rotate")
        assert 1 <= len(rotations) <= 2 and rotations[-1]["name"] == NURSE, (at, rotations)
    assert outcomes == {True, False}  # kills landed both before and after the new file was written


def test_backups_across_a_key_change(data_dir, tmp_path):
    """A backup made before the change still restores (it brings its own key file and old
    users, as any old backup does); one made by a window still holding the old key is refused
    rather than written with a key file that does not open it."""
    from app.services import backup

    staffed(data_dir)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    other = Store.open(data_dir, DOCTOR, DOCTOR_PW)  # another window, logged in before the change
    try:
        before = backup.write_backup(store, tmp_path / "before.cunyibak")["path"]
        users.disable(store, NURSE)
        residents.add(store, {"name": "单田芳", "sex": "1", "birth_date": "1950-01-02"})
        with pytest.raises(DataError, match="数据密钥已在另一个窗口中更换"):
            backup.write_backup(other, tmp_path / "stale.cunyibak")
        with pytest.raises(DataError, match="重新登录"):
            residents.find(other, "李")
        assert not (tmp_path / "stale.cunyibak").exists()
        after = backup.write_backup(store, tmp_path / "after.cunyibak")["path"]
    finally:
        other.close()
        store.close()
    backup.restore(data_dir, Path(before), ADMIN, PASSWORD)
    assert names_of(data_dir, NURSE, NURSE_PW) == ["李秀英"]  # the old backup's users
    backup.restore(data_dir, Path(after), ADMIN, PASSWORD)
    assert sorted(names_of(data_dir, DOCTOR, DOCTOR_PW)) == ["单田芳", "李秀英"]
    with pytest.raises(AuthError, match="已停用"):
        Store.open(data_dir, NURSE, NURSE_PW)


def test_a_restore_stopped_between_its_renames_opens(data_dir, tmp_path):
    """The state a restore killed after putting the database in place leaves: the backup's key
    file beside the live one (another data key, made before a key change)."""
    from app.services import backup

    staffed(data_dir)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        made = Path(backup.write_backup(store, tmp_path / "before.cunyibak")["path"])
        users.disable(store, NURSE)
    finally:
        store.close()
    stage = tmp_path / "stage"
    stage.mkdir()
    backup.unpack(made, stage)
    for name in ("cunyi.db-wal", "cunyi.db-shm"):
        (data_dir / name).unlink(missing_ok=True)
    shutil.copy(stage / "keys.json", data_dir / "keys.next.json")
    shutil.copy(stage / "cunyi.db", data_dir / "cunyi.db")
    assert names_of(data_dir, ADMIN, PASSWORD) == ["李秀英"]
    assert not (data_dir / "keys.next.json").exists()
    assert names_of(data_dir, NURSE, NURSE_PW) == ["李秀英"]  # the backup's key file is in force


def test_a_rotation_the_database_is_too_busy_for_is_done_at_the_next_login(data_dir, tmp_path):
    """Another process reading throughout (its snapshot keeps the WAL from being folded in): the
    user is disabled, the key change stops before the rekey, says so, and the next login does it."""
    staffed(data_dir)
    kept = tmp_path / "kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    key = KeyFile.load(kept).unwrap(ADMIN, PASSWORD)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    reader = sqlcipher3.connect(str(data_dir / "cunyi.db"), isolation_level=None)
    try:
        reader.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM resident").fetchone()
        with pytest.raises(DataError, match="已停用用户 nurse1.*数据密钥暂未更换"):
            users.disable(store, NURSE)
        assert names_of(data_dir, DOCTOR, DOCTOR_PW) == ["李秀英"]  # still the old key meanwhile
    finally:
        reader.close()
        store.close()
    with pytest.raises(AuthError, match="已停用"):
        Store.open(data_dir, NURSE, NURSE_PW)
    store = Store.open(data_dir, DOCTOR, DOCTOR_PW)  # a doctor's login finishes it
    try:
        assert store.rotation and store.rotation["resealed"] == 2
    finally:
        store.close()
    assert not opens_live(data_dir, kept, NURSE, NURSE_PW)
    assert names_of(data_dir, ADMIN, PASSWORD) == ["李秀英"]


def test_a_window_from_before_the_change_cannot_write_the_old_key_back(data_dir):
    """A password change in a window logged in before another replaced the key would have put
    the old key's slots back over the new ones (and lost the new key): refused."""
    staffed(data_dir)
    stale = Store.open(data_dir, DOCTOR, DOCTOR_PW)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        users.disable(store, NURSE)
        with pytest.raises(DataError, match="重新登录"):
            users.change_password(stale, DOCTOR_PW, "doctor-new-77")
    finally:
        store.close()
        stale.close()
    assert names_of(data_dir, DOCTOR, DOCTOR_PW) == ["李秀英"]
    assert names_of(data_dir, ADMIN, PASSWORD) == ["李秀英"]


def test_a_new_recovery_code_replaces_the_old_one(data_dir, recovery_code):
    staffed(data_dir)
    nurse = Store.open(data_dir, NURSE, NURSE_PW)
    try:
        with pytest.raises(AuthError, match="管理用户"):
            users.new_recovery(nurse)
    finally:
        nurse.close()
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        code = users.new_recovery(store)
    finally:
        store.close()
    assert code != recovery_code
    with pytest.raises(AuthError, match="恢复代码不正确"):
        users.recover(data_dir, recovery_code, DOCTOR, "doctor-new-99")
    users.recover(data_dir, code, DOCTOR, "doctor-new-99").close()
    assert names_of(data_dir, DOCTOR, "doctor-new-99") == ["李秀英"]
    assert audited(data_dir, "recovery_code") == [{"name": RECOVERY}]
