"""Replacing the data key when someone's access is revoked (a user disabled, a password reset as
compromised), so a copy of the old key file and the old password no longer open the live database.

The new key is sealed to the public key of every remaining slot (app/crypto/keyfile.py): nobody's
password is needed. Slots made before key pairs cannot receive it: their users have not logged in
since the upgrade, and an administrator must set them a new password (the slot is marked stale).
A recovery code without a key pair is replaced by a new one, shown to the administrator once.

Order, so that a process killed at any point leaves an installation the remaining users open:
1. the key file notes the rotation as owed (with the disabling itself, before anything else);
2. the new key file is written beside the old one (keys.next.json, fsynced);
3. the audit entry is committed (under the old key: the rekey carries it over);
4. the WAL is checkpointed into the database and `PRAGMA rekey` rewrites every page in one
   transaction (its commit frame makes it all or nothing), then checkpointed again;
5. keys.next.json replaces keys.json (atomic rename), with the login bookkeeping of the live file.
A login that finds keys.next.json (`settle`) opens the database with whichever file's key opens
it and finishes or drops the switch; a rotation still owed is then done by that login.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import sqlcipher3
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import paths
from app.backup_file import fsync_dir
from app.crypto.keyfile import (
    AUTH_SECTION,
    RECOVERY,
    KeyFile,
    NoSuchSlot,
    SlotDisabled,
    SlotStale,
    WrongSecret,
    key_check,
    locked,
    new_recovery_code,
    read_raw,
    write_raw,
)
from app.db import audit_chain as audit
from app.db.engine import probe
from app.errors import DataError


class Store(Protocol):
    """What a key change needs of the opened store. Not app.store.Store by name: the store
    finishes an owed key change at login, so importing it here would make a cycle."""

    data_dir: Path
    data_key: bytes

    @property
    def user(self) -> Any: ...

    @property
    def engine(self) -> Any: ...

    def session(self, write: bool = False) -> AbstractContextManager[Session]: ...

    def use_key(self, data_key: bytes, keyfile: KeyFile) -> None: ...


def _step(name: str) -> None:
    """Called between the steps; the crash tests replace it to kill the process there."""


def owe(keyfile: KeyFile, reason: str, name: str, at: str) -> None:
    keyfile.rotation_owed = {"reason": reason, "name": name, "at": at}




def _connect(db: Path, data_key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(db))
    conn.isolation_level = None
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


_BUSY = ("{0} 中的数据正被另一个村医窗口或命令使用，数据密钥暂未更换；"
         "请关闭其他窗口后重新登录（登录时会自动完成更换）")  # fmt: skip


def _checkpoint(conn: sqlcipher3.Connection, data_dir: Path) -> None:
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy and busy[0]:
        raise DataError(_BUSY.format(data_dir))


def _rekey(data_dir: Path, old: bytes, new: bytes) -> None:
    db = paths.db_path(data_dir)
    conn = _connect(db, old)
    try:
        _checkpoint(conn, data_dir)  # every committed page in the main file, under the old key
        _step("checkpointed")
        conn.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"")
        _step("rekeyed")
    finally:
        conn.close()
    conn = _connect(db, new)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # raises if it did not take
        _checkpoint(conn, data_dir)
    finally:
        conn.close()


def _switch(keys: Path, nxt: Path) -> None:
    """keys.next.json becomes keys.json, keeping the live file's login bookkeeping. The caller
    holds the key file's lock."""
    raw = read_raw(nxt)
    if not raw:
        raise DataError("密钥文件 keys.next.json 已损坏")
    section = read_raw(keys).get(AUTH_SECTION)
    if section is not None:
        raw[AUTH_SECTION] = section
    write_raw(nxt, raw)
    os.replace(nxt, keys)
    fsync_dir(keys.parent)


def settle(data_dir: Path, keyfile: KeyFile, subject: str, secret: str,
           data_key: bytes) -> tuple[KeyFile, bytes]:  # fmt: skip
    """After a rotation or a restore was interrupted: the key file and the key that open the
    database. The current file's key is tried first (an interrupted rekey rolls back under it);
    if it no longer opens the database, the new file's does and the switch is finished."""
    keys, nxt = paths.keys_path(data_dir), paths.keys_next_path(data_dir)
    if not nxt.exists():
        return keyfile, data_key
    db = paths.db_path(data_dir)
    try:
        probe(db, data_key)
    except sqlcipher3.DatabaseError:
        pass
    else:
        with locked(keys):
            nxt.unlink(missing_ok=True)  # the rekey never took: the old key file is current
        return keyfile, data_key
    try:
        newer = KeyFile.load(nxt)
        key = newer.unwrap(subject, secret)
        probe(db, key)
    except (ValueError, KeyError, OSError, WrongSecret, NoSuchSlot, SlotDisabled, SlotStale,
            sqlcipher3.DatabaseError):  # fmt: skip
        return keyfile, data_key  # the caller's open reports what is wrong
    with locked(keys):
        if nxt.exists():
            _switch(keys, nxt)
    return KeyFile.load(keys), key


def rotate(store: Store, *, new_recovery: bool = True) -> dict[str, Any]:
    """Replace the data key of `store`'s installation (the store goes on with the new one).
    `new_recovery`: a recovery code without a key pair is replaced by a new one (returned, to be
    shown once); otherwise (a rotation finished at a nurse's login) it is marked stale."""
    data_dir = store.data_dir
    keys, nxt = paths.keys_path(data_dir), paths.keys_next_path(data_dir)
    new_key = secrets.token_bytes(32)
    _step("start")
    with locked(keys):
        current = KeyFile.from_raw(read_raw(keys), keys)
        fresh = KeyFile(current.installation_id, copy.deepcopy(current.slots), keys, key_check(new_key))
        resealed, stale, code = 0, [], None
        for name in sorted(fresh.slots):
            if fresh.has_pair(name):
                fresh.reseal(name, new_key)
                resealed += name != RECOVERY
            elif fresh.opens(name) and name != RECOVERY:
                fresh.mark_stale(name)
                stale.append(name)
        if not fresh.has_pair(RECOVERY):
            if new_recovery:
                code = new_recovery_code()
                fresh.set_slot(RECOVERY, code, new_key)
            else:
                fresh.mark_stale(RECOVERY)
        write_raw(nxt, json.loads(fresh.dumps()))
        fsync_dir(data_dir)
        _step("next_written")
        owed = current.rotation_owed or {}
        detail: dict[str, Any] = {"reason": owed.get("reason", "manual"), "name": owed.get("name"),
                                  "resealed": resealed}  # fmt: skip
        if stale:
            detail["stale"] = stale
        if RECOVERY in fresh.slots and fresh.is_stale(RECOVERY):
            detail["recovery"] = "stale"
        elif code:
            detail["recovery"] = "new"
        try:
            with store.session(write=True) as s:
                audit.append(s, store.user.name, "key_rotate", detail=detail)
        except DBAPIError:  # busy past the timeout (another process), or a full disk
            raise DataError(_BUSY.format(data_dir)) from None
        _step("audited")
        store.engine.dispose()  # no pooled connection may keep the old key
        try:
            _rekey(data_dir, store.data_key, new_key)
        except sqlcipher3.DatabaseError as e:
            from app.errors import storage_full

            raise DataError(storage_full(e, data_dir) or
                            "数据密钥更换未完成（数据仍可用原密钥打开），下次登录时会重试") from None
        store.use_key(new_key, fresh)  # the database is under the new key from here on
        _step("switching")
        _switch(keys, nxt)
        _step("switched")
    return {"resealed": resealed, "stale": stale, "recovery_code": code}


BUSY = "正在更换数据密钥（数据多时需要几分钟，请勿关机或关闭程序）……"


def describe(out: dict[str, Any]) -> str:
    """What a key change did, for the administrator: whose passwords must be set anew, the new
    recovery code (shown this once)."""
    lines = ["数据密钥已更换：旧的密钥文件副本和旧密码不能再打开数据（以前的备份仍可用当时的密码打开）"]
    if out.get("stale"):
        lines.append("以下用户升级后尚未登录过，需由管理员重设密码后才能登录：" + "、".join(out["stale"]))
    if out.get("recovery_code"):
        lines.append("原恢复代码已作废。新的恢复代码（只显示这一次，请打印后交乡镇卫生院保管）：\n"
                     + out["recovery_code"])  # fmt: skip
    return "\n".join(lines)
