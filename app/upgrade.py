"""The first start of a new version on older data: a verified backup, then the migrations; when a
migration fails, the backup goes back in place and the user is told what happened.

Runs from Store.open_with_key, before anything reads the database with the new schema. One
process at a time (a file lock), so the desktop client and a `cunyi` command started together
do not both upgrade.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from app import paths
from app.backup_file import fsync_dir
from app.db import migrate
from app.errors import DataError
from app.filelock import lock
from app.version import __version__

log = logging.getLogger("cunyi.upgrade")

# Told when an upgrade starts (the desktop's login says so: at 50,000 residents it takes a minute
# or more); called on the thread that opens the store.
listeners: list[Callable[[str, str], None]] = []

LOCK_NAME = ".upgrade.lock"
FAILED_PREFIX = "upgrade-failed-"
# Pre-upgrade backups kept: the newest KEEP_PRE_UPGRADE (a database is about as big as a backup;
# a clinic upgrading twice a year for years must not fill its disk with them). Older ones go
# only after an upgrade succeeded, so the backup a failed upgrade was restored from always stays.
KEEP_PRE_UPGRADE = 3
_PRE_UPGRADE = re.compile(r"^pre-upgrade-.+-to-.+-(\d{8}-\d{6})\.cunyibak$")


class UpgradeFailed(DataError):
    """A migration failed; the data is back as it was before (or, if that failed too, says so)."""


def newer_message(revision: str) -> str:
    return (f"这些数据由较新版本的村医保存（数据版本 {revision}，本程序 {__version__} 只能打开到 "
            f"{migrate.head()}），为免损坏未打开。请把本机的村医升级到新版本后再打开；"
            "不要用旧版本恢复或修改这些数据。")  # fmt: skip


def backup_name(revision: str, now: dt.datetime) -> str:
    return f"pre-upgrade-{revision}-to-{migrate.head()}-{now:%Y%m%d-%H%M%S}.cunyibak"


def pre_upgrade_backups(folder: Path) -> list[Path]:
    """The pre-upgrade backups in `folder`, newest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    found = [(m.group(1), p) for p in folder.iterdir() if (m := _PRE_UPGRADE.match(p.name))]
    return [p for _, p in sorted(found, key=lambda item: (item[0], item[1].name), reverse=True)]


def rotate_pre_upgrade_backups(folder: Path, keep: int = KEEP_PRE_UPGRADE) -> list[Path]:
    """Deletes the pre-upgrade backups older than the `keep` newest; returns those deleted. Other
    backups (daily automatic ones, the user's own) are not touched."""
    removed = []
    for old in pre_upgrade_backups(folder)[max(keep, 1) :]:
        try:
            old.unlink()
        except OSError as exc:  # kept, said in the log: a full folder is not worth failing the start
            log.warning("could not delete an old pre-upgrade backup: %s", type(exc).__name__)
            continue
        removed.append(old)
    return removed


def upgrade_if_needed(data_dir: Path, installation_id: str, data_key: bytes) -> dict[str, Any] | None:
    """Bring the database in `data_dir` to this version's schema. None when it already is;
    else {"from", "to", "backup", "removed"} (removed: the old pre-upgrade backups deleted).
    Raises DataError for data of a newer version and
    UpgradeFailed when a migration failed (the data then is as it was before)."""
    data_dir = Path(data_dir)
    db = paths.db_path(data_dir)
    try:
        revision = migrate.current_at(db, data_key)
    except DBAPIError:  # the page holding the schema version is damaged
        raise DataError("数据库文件已损坏（读不出数据版本）；请运行 cunyi check，并用较早的备份恢复") from None
    if revision == migrate.head():
        return None
    if migrate.is_newer(revision):
        raise DataError(newer_message(revision or "?"))
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        lock(fd)
        revision = migrate.current_at(db, data_key)  # another process may have done it meanwhile
        if revision == migrate.head():
            return None
        return _upgrade(data_dir, installation_id, data_key, revision)
    finally:
        os.close(fd)


def _upgrade(data_dir: Path, installation_id: str, data_key: bytes, revision: str | None) -> dict[str, Any]:
    from app.backup_file import write_snapshot  # store-free: the store is opening (app/store.py)

    db = paths.db_path(data_dir)
    if revision is None:  # a database file without a schema: nothing to keep
        migrate.upgrade_file(db, data_key)
        return {"from": None, "to": migrate.head(), "backup": None}
    for listener in list(listeners):
        listener(revision, migrate.head())
    target = data_dir / paths.BACKUP_DIR / backup_name(revision, dt.datetime.now())
    try:
        write_snapshot(data_dir, installation_id, data_key, target, schema=revision)
    except DataError as e:
        raise DataError(f"升级到新版本前的自动备份没有成功，数据未作任何改动：{e}") from None
    log.info("upgrading the database from %s to %s", revision, migrate.head())
    try:
        migrate.upgrade_file(db, data_key)
    except Exception as exc:
        log.error("upgrade from %s failed: %s", revision, type(exc).__name__)
        kept = _put_back(data_dir, target, data_key)
        raise UpgradeFailed(
            f"把数据升级到新版本（数据版本 {revision} → {migrate.head()}）时出错。"
            "已自动恢复为升级前的数据，已保存的资料没有丢失。\n"
            "请先重新安装原来版本的村医继续工作，并联系乡镇卫生院技术人员；"
            f"请把数据文件夹中的 {kept.name} 文件夹和 logs 文件夹交给他们查看。\n"
            f"升级前的备份：{target}"
        ) from None
    removed = rotate_pre_upgrade_backups(target.parent)
    return {"from": revision, "to": migrate.head(), "backup": str(target),
            "removed": [p.name for p in removed]}  # fmt: skip


def _put_back(data_dir: Path, backup_file: Path, data_key: bytes) -> Path:
    """The database from `backup_file` in place of the one a failed migration left; that one is
    kept aside (for whoever looks into the failure) in a folder that is returned."""
    from app.backup_file import unpack
    from app.staging import RESTORE_PREFIX, staging

    aside = data_dir / f"{FAILED_PREFIX}{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    try:
        with staging(data_dir, RESTORE_PREFIX) as stage:
            unpack(backup_file, stage)  # the checksum of the database is checked here
            aside.mkdir()
            for name in (paths.DB_NAME, paths.DB_NAME + "-wal", paths.DB_NAME + "-shm"):
                if (data_dir / name).exists():
                    os.replace(data_dir / name, aside / name)
            os.replace(stage / paths.DB_NAME, data_dir / paths.DB_NAME)
            fsync_dir(data_dir)
    except Exception as exc:
        log.error("putting the pre-upgrade backup back failed: %s", type(exc).__name__)
        raise UpgradeFailed(
            "把数据升级到新版本时出错，自动恢复升级前的数据也没有成功。请不要再打开村医，"
            f"立即联系乡镇卫生院技术人员，用升级前的备份 {backup_file} 恢复"
            "（cunyi restore，或在登录窗口选“恢复备份”）。"
        ) from None
    if migrate.current_at(paths.db_path(data_dir), data_key) is None:
        raise UpgradeFailed(f"升级失败后恢复的数据无法打开，请用备份 {backup_file} 恢复并联系技术人员。")
    return aside
