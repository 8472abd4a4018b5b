"""Failed logins under misuse: nothing about one can block a later login, names typed are never
kept as typed, parallel failures all count, the back-off cannot be reset by deleting a file, and
recovery-code attempts are limited. Issue 12, point 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.authstate import AuthState
from app.crypto.keyfile import RECOVERY, read_raw, write_raw
from app.errors import AuthError
from app.paths import AUTH_STATE_NAME, keys_path
from app.services import audit, users
from app.store import Store
from tests.conftest import ADMIN, PASSWORD, ROOT

TYPED_SECRET = "MyPassw0rd-typed-as-name"


def files_text(data_dir) -> bytes:
    """Every byte of the data folder except the encrypted database itself."""
    return b"".join(p.read_bytes() for p in data_dir.rglob("*")
                    if p.is_file() and not p.name.startswith("cunyi.db"))  # fmt: skip


def age_failures(data_dir, seconds: float = 10_000) -> None:
    """Moves every failure back in time, as if the back-off had run out."""
    path = keys_path(data_dir)
    raw = read_raw(path)
    for entry in raw["auth"]["failures"].values():
        entry["last"] -= seconds
    write_raw(path, raw)


def login_entries(store) -> list[tuple[str, str]]:
    return [(e["user"], (e.get("detail") or {}).get("reason", ""))
            for e in audit.entries(store) if e["action"] == "login_failed"]  # fmt: skip


def test_malformed_user_name_blocks_no_later_login(cli, data_dir):
    # bytes that are not UTF-8 (a GBK terminal) are refused as the argument they are, exit 2
    bad = cli("--user", "\udcff", "resident", "find", "a", env={"CUNYI_PASSWORD": "x"})
    assert bad.returncode == 2, bad.stderr
    assert "--user" in bad.stderr and "内部错误" not in bad.stderr
    # a name no user can have: a failed login like any other, exit 4
    odd = cli("--user", "a b\u202e🙂", "resident", "find", "a", env={"CUNYI_PASSWORD": "x"})
    assert odd.returncode == 4, odd.stderr
    assert "用户名或密码错误" in odd.stderr and "内部错误" not in odd.stderr
    ok = cli("check")
    assert ok.returncode == 0, ok.stderr
    again = cli("resident", "find", "a")
    assert again.returncode == 0, again.stderr


def test_a_password_typed_as_the_name_is_never_stored(cli, data_dir):
    r = cli("--user", TYPED_SECRET, "resident", "find", "a", env={"CUNYI_PASSWORD": "x"})
    assert r.returncode == 4
    assert TYPED_SECRET.encode() not in files_text(data_dir)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        assert ("", "unknown_user") in login_entries(store)
        assert TYPED_SECRET not in json.dumps(audit.entries(store), ensure_ascii=False)
    finally:
        store.close()


def test_parallel_failures_all_count_and_are_audited(data_dir):
    n = 8
    code = ("import sys; from app.store import Store\n"
            "try:\n Store.open(sys.argv[1], 'admin', 'wrong-password')\n"
            "except Exception as e:\n print(type(e).__name__)")  # fmt: skip
    procs = [subprocess.Popen([sys.executable, "-c", code, str(data_dir)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(n)]  # fmt: skip
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert outs == ["AuthError"] * n
    assert AuthState(data_dir).data["failures"][ADMIN]["count"] == n
    age_failures(data_dir)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        # Each attempt is audited: a wrong password, or an attempt made during the back-off.
        reasons = [r for user, r in login_entries(store) if user == ADMIN]
        assert len(reasons) == n and set(reasons) <= {"wrong_password", "throttled"}
    finally:
        store.close()


def test_back_off_survives_deleting_the_state_file(data_dir):
    for _ in range(3):
        with pytest.raises(AuthError, match="用户名或密码错误"):
            Store.open(data_dir, ADMIN, "wrong-password")
    (data_dir / AUTH_STATE_NAME).unlink(missing_ok=True)
    with pytest.raises(AuthError, match="秒后再试"):
        Store.open(data_dir, ADMIN, PASSWORD)


def test_unknown_names_back_off_together_without_touching_real_users(data_dir):
    for name in ("nobody", "x y", "\udcff"):
        with pytest.raises(AuthError, match="用户名或密码错误"):
            Store.open(data_dir, name, "whatever-pw")
    with pytest.raises(AuthError, match="秒后再试"):
        Store.open(data_dir, "someone-else", "whatever-pw")
    Store.open(data_dir, ADMIN, PASSWORD).close()  # the real user is not held back


def test_a_damaged_auth_section_blocks_nothing(data_dir):
    path = keys_path(data_dir)
    raw = read_raw(path)
    raw["auth"] = {"failures": {"admin": "many", "\udcff": {"count": 99, "last": 1e12}},
                   "pending_audit": [{"user": 5}, "x", {"at": "t", "user": "\udcff",
                                                        "reason": "wrong_password"}],
                   "dropped": "lots"}  # fmt: skip
    path.write_text(json.dumps(raw), "utf-8")  # json escapes the lone surrogate as \udcff
    store = Store.open(data_dir, ADMIN, PASSWORD)
    store.close()
    assert read_raw(path)["auth"] == {"failures": {}, "pending_audit": [], "dropped": 0}


def test_an_old_state_file_is_taken_over_without_names_as_typed(data_dir):
    legacy = {"failures": {ADMIN: {"count": 1, "last": 0.0}, "\udcff": {"count": 5, "last": 0}},
              "pending_audit": [{"at": "2026-01-01T00:00:00Z", "user": TYPED_SECRET,
                                 "reason": "wrong_password"},
                                {"at": "2026-01-01T00:00:01Z", "user": ADMIN,
                                 "reason": "wrong_password"}]}  # fmt: skip
    (data_dir / AUTH_STATE_NAME).write_text(json.dumps(legacy), "utf-8")
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        assert not (data_dir / AUTH_STATE_NAME).exists()
        entries = login_entries(store)
        assert ("", "unknown_user") in entries and (ADMIN, "wrong_password") in entries
    finally:
        store.close()
    assert TYPED_SECRET.encode() not in files_text(data_dir)


def test_a_password_change_keeps_failures_noted_meanwhile(store, data_dir):
    users.add(store, "li", "nurse", "nurse-pw-1")
    with pytest.raises(AuthError):
        Store.open(data_dir, "li", "wrong-password")
    # `store` loaded the key file before that failure; saving it must not erase the count.
    users.change_password(store, PASSWORD, "new-secret-9")
    assert AuthState(data_dir).data["failures"]["li"]["count"] == 1


def test_recovery_code_attempts_are_limited_and_audited(data_dir, recovery_code):
    for _ in range(3):
        with pytest.raises(AuthError, match="恢复代码不正确"):
            users.recover(data_dir, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", ADMIN, "new-secret-9")
    with pytest.raises(AuthError, match="秒后再试"):
        users.recover(data_dir, recovery_code, ADMIN, "new-secret-9")
    assert AuthState(data_dir).data["failures"][RECOVERY]["count"] == 4  # the refused attempt counts too
    age_failures(data_dir)
    store = users.recover(data_dir, recovery_code, ADMIN, "new-secret-9")
    try:
        assert login_entries(store).count((RECOVERY, "wrong_recovery_code")) == 3
        assert (RECOVERY, "throttled") in login_entries(store)
        assert audit.entries(store)[-1]["action"] == "recover"
    finally:
        store.close()


def test_recover_refuses_a_malformed_name_by_field(data_dir, recovery_code):
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="用户名"):
        users.recover(data_dir, recovery_code, "\udcff", "new-secret-9")


def test_backups_carry_no_login_counts_and_restore_keeps_the_live_ones(store, data_dir, tmp_path):
    import zipfile

    from app.services import backup

    with pytest.raises(AuthError):
        Store.open(data_dir, ADMIN, "wrong-password")
    out = tmp_path / "b.cunyibak"
    backup.write_backup(store, out)
    with zipfile.ZipFile(out) as zf:
        assert "auth" not in json.loads(zf.read("keys.json"))
    store.close()
    for _ in range(2):
        with pytest.raises(AuthError):
            Store.open(data_dir, ADMIN, "wrong-password")
    backup.restore(data_dir, out, ADMIN, PASSWORD)
    assert AuthState(data_dir).data["failures"][ADMIN]["count"] == 3
