"""Encrypted backups: one file that opens with the same logins, rotation, and safe restore.

A backup is a zip holding manifest.json, keys.json (the wrapped data keys: no secret in the clear)
and cunyi.db, a page-for-page copy made with SQLite's backup API and so encrypted with the same
data key. Whoever could log in when it was made can open it, and nobody else.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from app import paths, roles
from app.backup_file import (
    FORMAT,
    SUFFIX,
    VERSION,
    check_backup_file,
    copy_file,
    fsync_dir,
    keyed,
    migrate_revisions,
    opened,
    read_manifest,
    sha256,
    unpack,
    verify_copy,
    write_snapshot,
)
from app.clock import now_iso
from app.crypto.keyfile import KeyFile, NoSuchSlot, SlotDisabled, WrongSecret
from app.db import migrate
from app.errors import AuthError, DataError
from app.services import anchors, audit
from app.staging import RESTORE_PREFIX, VERIFY_PREFIX, clean_stale_stages, staging

if TYPE_CHECKING:
    from app.store import Store

# The file format and its checks are app/backup_file.py; its names stay reachable here.
__all__ = [
    "AUTO_KEEP", "FORMAT", "RESTORE_PREFIX", "SUFFIX", "VERIFY_PREFIX", "VERSION",
    "auto_backup", "auto_backups", "check_backup_file", "copy_file", "default_folder",
    "fsync_dir", "keyed", "migrate_revisions", "opened", "read_manifest",
    "restore", "sha256", "staging", "unpack", "verify_copy", "write_backup", "write_snapshot",
]  # fmt: skip

AUTO_KEEP = 7
_AUTO = re.compile(r"^auto-(\d{8})-(\d{6})" + re.escape(SUFFIX) + "$")


def write_backup(store: Store, target: Path, *, auto: bool = False) -> dict[str, Any]:
    """Write a backup file at `target` atomically (a crash leaves no half-written file), then
    open and check it; an unsound one is deleted and DataError raised."""
    try:
        manifest = write_snapshot(store.data_dir, store.keyfile.installation_id, store.data_key,
                                  Path(target), schema=migrate.head())  # fmt: skip
    except sqlcipher3.DatabaseError:
        store.refuse_if_key_replaced()  # another window changed the key: said as such
        raise
    size = Path(target).stat().st_size
    audit.log(store, "backup", detail={"auto": auto, "bytes": size,
                                       "db_sha256": manifest["db_sha256"][:16]})  # fmt: skip
    return {"path": str(target), "bytes": size, "created_at": manifest["created_at"]}


# --- automatic backups


def default_folder(store: Store) -> Path:
    return store.data_dir / paths.BACKUP_DIR


def auto_backups(folder: Path) -> list[Path]:
    """This folder's automatic backups, newest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _AUTO.match(p.name)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def auto_backup(
    store: Store, folder: Path | None = None, keep: int = AUTO_KEEP, now: dt.datetime | None = None
) -> dict[str, Any]:
    """At most one automatic backup a day, each verified by opening it; the `keep` newest stay.

    Returns {"path", "skipped", "removed"}; raises DataError when the new backup fails its check
    (it is deleted and the older ones are kept: a damaged database never rotates out good ones)."""
    folder = Path(folder) if folder else default_folder(store)
    now = now or dt.datetime.now()
    day = now.strftime("%Y%m%d")
    existing = auto_backups(folder)
    if any(_AUTO.match(p.name).group(1) == day for p in existing):  # type: ignore[union-attr]
        return {"path": str(existing[0]), "skipped": True, "removed": []}
    target = folder / f"auto-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    write_backup(store, target, auto=True)  # raises DataError (and keeps nothing) if unsound
    removed = []
    for old in auto_backups(folder)[max(keep, 1) :]:
        old.unlink(missing_ok=True)
        removed.append(str(old))
    return {"path": str(target), "skipped": False, "removed": removed}


# --- restore


def _unwrap(keyfile: KeyFile, user: str, password: str) -> bytes:
    try:
        return keyfile.unwrap(user, password)
    except SlotDisabled:
        raise AuthError(f"用户“{user}”在备份中已停用，无法用其打开备份") from None
    except (WrongSecret, NoSuchSlot):
        raise AuthError("无法打开备份：用户名或密码与备份制作时不符") from None


def _current_installation(data_dir: Path) -> str | None:
    """The installation id of the data already in `data_dir` ("" if unreadable, None if none)."""
    keys = paths.keys_path(data_dir)
    if not keys.exists():
        return "" if paths.db_path(data_dir).exists() else None
    try:
        return KeyFile.load(keys).installation_id
    except (ValueError, KeyError, OSError):
        return ""


def _is_fresh(data_dir: Path, attempts: list[tuple[str, str]]) -> bool:
    """Whether the other installation in `data_dir` holds nothing worth refusing for: no resident
    (opened with the restoring user's login), or the demo clinic (its login is public). Its files
    are kept aside like any others."""
    from app.services import demo

    try:
        keyfile = KeyFile.load(paths.keys_path(data_dir))
    except (ValueError, KeyError, OSError):
        return False
    for user, password in attempts:
        try:
            key = keyfile.unwrap(user, password)
        except (WrongSecret, NoSuchSlot, SlotDisabled):
            continue
        try:
            conn = keyed(paths.db_path(data_dir), key, read_only=True)
            try:
                people = conn.execute("SELECT count(*) FROM resident").fetchone()[0]
                name, area = conn.execute("SELECT name, area FROM institution").fetchone()
            finally:
                conn.close()
        except (sqlcipher3.DatabaseError, TypeError):
            return False
        return people == 0 or (user == demo.USER and (name, area) == (demo.INSTITUTION, demo.AREA))
    return False


def _live_admin(data_dir: Path, user: str, password: str) -> dict[str, Any] | None:
    """Replacing the data of a working installation needs one of its current administrators:
    an old backup must not bring back a disabled account or erase later work on the say of
    someone who is no longer trusted. The login counts like any other (back-off, audit) and the
    live log records the restore before it is replaced. Returns where the live log ended."""
    from app.store import Store

    try:
        store = Store.open(data_dir, user, password)
    except DataError:
        # The live database cannot be opened (the reason to restore): a live, enabled key slot
        # of this user is the proof left.
        try:
            KeyFile.load(paths.keys_path(data_dir)).unwrap(user, password)
        except SlotDisabled:
            raise AuthError(f"用户“{user}”已停用，不能恢复备份") from None
        except (WrongSecret, NoSuchSlot, ValueError, KeyError, OSError):
            raise AuthError("恢复备份需要本机现有管理员的用户名和密码") from None
        return None
    try:
        roles.require(store, "restore")
        with store.session(write=True) as s:
            entry = audit.append(s, user, "restore", detail={"replaced_by_backup": True})
            return {"seq": entry.seq, "hash": entry.hash[:16]}
    finally:
        store.close()


def _db_files(data_dir: Path) -> list[str]:
    return [n for n in (paths.DB_NAME + "-wal", paths.DB_NAME + "-shm") if (data_dir / n).exists()]


def _checkpoint(data_dir: Path, data_key: bytes) -> None:
    """Fold the current WAL into the database so the copy kept aside is whole (best effort:
    a damaged database is kept aside with its WAL as it is)."""
    db = paths.db_path(data_dir)
    if not db.exists():
        return
    with suppress(sqlcipher3.DatabaseError):
        conn = keyed(db, data_key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()


def _swap(data_dir: Path, stage: Path, aside: Path) -> None:
    """Put the staged files in place. The data directory always holds a database and a key file:
    the old ones are hard-linked aside, then replaced one by one with os.replace (atomic)."""
    aside.mkdir()
    for name in _db_files(data_dir):
        os.replace(data_dir / name, aside / name)
    for name in (paths.DB_NAME, paths.KEYS_NAME):
        old = data_dir / name
        if old.exists():
            try:
                os.link(old, aside / name)
            except OSError:
                shutil.copy2(old, aside / name)
    fsync_dir(aside)
    # The backup's key file goes beside the live one first, then the database, then the key
    # file takes its name. A backup made before a key change holds another data key: after a
    # crash between the renames, the login finds the key file that opens the database in place
    # (app/services/rotation.settle).
    _keep_login_counts(data_dir / paths.KEYS_NAME, stage / paths.KEYS_NAME)
    os.replace(stage / paths.KEYS_NAME, paths.keys_next_path(data_dir))
    fsync_dir(data_dir)
    os.replace(stage / paths.DB_NAME, data_dir / paths.DB_NAME)
    os.replace(paths.keys_next_path(data_dir), data_dir / paths.KEYS_NAME)
    fsync_dir(data_dir)


def _keep_login_counts(live: Path, staged: Path) -> None:
    from app.crypto.keyfile import AUTH_SECTION, locked, read_raw, write_raw

    with locked(live):
        section = read_raw(live).get(AUTH_SECTION)
        if section is not None:
            raw = read_raw(staged)
            raw[AUTH_SECTION] = section
            write_raw(staged, raw)


def restore(data_dir: Path, backup: Path, user: str, password: str) -> dict[str, Any]:
    """Replace the data in `data_dir` by a verified backup; the previous files are kept in
    `data_dir/replaced-<time>/`. Nothing in `data_dir` changes unless every check passes. A
    backup of another installation is refused unless the data here is empty or the demo clinic
    (a new laptop that started with the demo, then gets the clinic's backup)."""
    from app.store import Store

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_stages(data_dir)
    with staging(data_dir, RESTORE_PREFIX) as stage:
        manifest, keyfile = unpack(Path(backup), stage)
        data_key = _unwrap(keyfile, user, password)
        current = _current_installation(data_dir)
        from app.services import demo

        fresh = bool(current) and _is_fresh(data_dir, [(user, password), (demo.USER, demo.PASSWORD)])
        if current and current != keyfile.installation_id and not fresh:
            raise DataError("此备份属于另一个安装（另一台电脑或另一机构的数据），不能恢复到这里；"
                            "如确需查看，请恢复到一个空的数据目录（--data-dir）")  # fmt: skip
        problems = verify_copy(stage / paths.DB_NAME, data_key, keyfile.installation_id)
        if problems:
            raise DataError("备份未通过校验，未作任何更改：" + "；".join(problems))
        probe = Store.open_with_key(stage, keyfile, data_key, user)  # an active user of the backup
        try:
            roles.require(probe, "restore")
        finally:
            probe.close()
        live_head = None if (not current or fresh) else _live_admin(data_dir, user, password)
        _checkpoint(stage, data_key)
        for leftover in _db_files(stage):
            (stage / leftover).unlink()
        if current:
            _checkpoint(data_dir, data_key)
        aside = data_dir / f"replaced-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        _swap(data_dir, stage, aside)
        with suppress(OSError):
            aside.rmdir()  # only succeeds when there was nothing to keep
    store = Store.open_with_key(data_dir, keyfile, data_key, user)
    with store.session() as s:
        anchors.reset_head(data_dir, anchors.chain_head(s.connection()), now_iso())
    try:
        detail: dict[str, Any] = {"backup_created_at": manifest["created_at"],
                                  "db_sha256": manifest["db_sha256"][:16]}  # fmt: skip
        if aside.exists():
            detail["replaced_kept"] = aside.name
        if live_head is not None:
            # The log that was replaced goes on in the one restored: where it ended is recorded.
            detail["replaced_head"] = live_head
        audit.log(store, "restore", detail=detail)
    finally:
        store.close()
    return {"restored_from": manifest["created_at"], "previous": str(aside) if aside.exists() else None}
