"""Encrypted backups: one file that opens with the same logins, rotation, and safe restore.

A backup is a zip holding manifest.json, keys.json (the wrapped data keys: no secret in the clear)
and cunyi.db, a page-for-page copy made with SQLite's backup API and so encrypted with the same
data key. Whoever could log in when it was made can open it, and nobody else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from app import paths, roles
from app.clock import now_iso
from app.crypto.keyfile import KeyFile, NoSuchSlot, SlotDisabled, WrongSecret
from app.db import migrate
from app.errors import AuthError, DataError
from app.services import anchors, audit, integrity
from app.staging import RESTORE_PREFIX, VERIFY_PREFIX, clean_stale_stages, staging

if TYPE_CHECKING:
    from app.store import Store

FORMAT = "cunyi-backup"
VERSION = 1
SUFFIX = ".cunyibak"
AUTO_KEEP = 7
_AUTO = re.compile(r"^auto-(\d{8})-(\d{6})" + re.escape(SUFFIX) + "$")
_CHUNK = 1 << 20


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut (also used by app/upgrade.py)."""
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _keyed(path: Path, data_key: bytes, read_only: bool = False) -> sqlcipher3.Connection:
    # Read-only: closing it never checkpoints the WAL, so the files stay byte-for-byte as they were.
    conn = (sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) if read_only
            else sqlcipher3.connect(str(path)))  # fmt: skip
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    return conn


def copy_file(db: Path, data_key: bytes, target: Path) -> None:
    """A consistent snapshot of a live database (committed transactions only), same key."""
    src = _keyed(db, data_key)
    dst = _keyed(target, data_key)
    try:
        src.backup(dst)  # one step: the source is read-locked, so the copy is one snapshot
    finally:
        dst.close()
        src.close()


def write_backup(store: Store, target: Path, *, auto: bool = False) -> dict[str, Any]:
    """Write a backup file at `target` atomically (a crash leaves no half-written file), then
    open and check it; an unsound one is deleted and DataError raised."""
    manifest = write_snapshot(store.data_dir, store.keyfile.installation_id, store.data_key,
                              Path(target), schema=migrate.head())  # fmt: skip
    size = Path(target).stat().st_size
    audit.log(store, "backup", detail={"auto": auto, "bytes": size,
                                       "db_sha256": manifest["db_sha256"][:16]})  # fmt: skip
    return {"path": str(target), "bytes": size, "created_at": manifest["created_at"]}


def write_snapshot(
    data_dir: Path, installation_id: str, data_key: bytes, target: Path, *, schema: str
) -> dict[str, Any]:
    """The backup file itself, without a logged-in store: also made before an upgrade, when the
    database still has the previous version's schema (`schema` names it). Returns the manifest."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(4)
    tmp_db = target.with_name(f".cunyi-backup-{tag}.db")
    tmp_zip = target.with_name(f".cunyi-backup-{tag}.tmp")
    try:
        # Read before the copy: the copy holds this entry (and maybe later ones), so it is an
        # anchor any later chain must extend.
        src = _keyed(paths.db_path(data_dir), data_key)
        try:
            head = anchors.chain_head(src)
        finally:
            src.close()
        try:
            copy_file(paths.db_path(data_dir), data_key, tmp_db)
        except sqlcipher3.DatabaseError:
            _same_key(data_dir, data_key)
            raise DataError("无法备份：数据库文件有损坏的页（请运行 cunyi check，并用较早的备份恢复）") from None
        manifest: dict[str, Any] = {
            "format": FORMAT, "version": VERSION,
            "installation_id": installation_id, "created_at": now_iso(),
            "schema": schema, "db_sha256": _sha256(tmp_db), "db_bytes": tmp_db.stat().st_size,
            "audit_head": head,  # an anchor (app/services/anchors.py)
        }  # fmt: skip
        keys = _keys_without_login_counts(paths.keys_path(data_dir))
        _same_key(data_dir, data_key, keys)  # read after the copy: a key change in between shows
        with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=1))
            zf.writestr("keys.json", keys, compress_type=zipfile.ZIP_DEFLATED)
            # Encrypted pages do not compress: stored as they are.
            zf.write(tmp_db, paths.DB_NAME)
        with open(tmp_zip, "rb+") as f:
            os.fsync(f.fileno())
        tmp_db.unlink()
        # Checked by opening what was written, before it takes the target's name: SQLCipher's
        # backup copies pages without decrypting them, so a damaged page of the live file would
        # otherwise pass unnoticed into the backup.
        problems = check_backup_file(tmp_zip, data_key, thorough=False)
        if problems:
            # A damaged page of the live file does not always show in the copy as a failed page
            # checksum; it may show as damaged structure instead. Either way the file is damaged.
            raise DataError("备份校验失败，数据库文件已损坏，未保留此备份：" + "；".join(problems)
                            + "（请运行 cunyi check）")  # fmt: skip
        os.replace(tmp_zip, target)
        fsync_dir(target.parent)
    finally:
        tmp_db.unlink(missing_ok=True)
        tmp_zip.unlink(missing_ok=True)
    return manifest


def _same_key(data_dir: Path, data_key: bytes, keys: str | None = None) -> None:
    """A backup's key file must open its database: refused when another process has replaced
    the data key since this one logged in (app/services/rotation.py)."""
    try:
        kf = (KeyFile.from_raw(json.loads(keys)) if keys is not None
              else KeyFile.load(paths.keys_path(data_dir)))  # fmt: skip
    except (ValueError, KeyError, OSError):
        return  # a damaged key file is the backup check's to report
    if kf.holds(data_key) is False:
        raise DataError("数据密钥刚在另一个窗口中更换过，未备份；请重新登录后再备份")


# --- reading a backup


def read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError):
        raise DataError("不是村医备份文件，或文件已损坏") from None
    if manifest.get("format") != FORMAT or "installation_id" not in manifest:
        raise DataError("不是村医备份文件，或文件已损坏")
    if manifest.get("version", 0) > VERSION:
        raise DataError("此备份由更新版本的村医制作，请先升级本软件")
    return manifest


@contextmanager
def opened(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DataError(f"找不到备份文件：{path}") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError("不是村医备份文件，或文件已损坏") from None
    with zf:
        yield zf


def unpack(path: Path, into: Path) -> tuple[dict[str, Any], KeyFile]:
    """Extract keys.json and cunyi.db of a backup into the folder `into`, checking both."""
    with opened(path) as zf:
        manifest = read_manifest(zf)
        try:
            (into / paths.KEYS_NAME).write_bytes(zf.read(paths.KEYS_NAME))
            with zf.open(paths.DB_NAME) as src, open(into / paths.DB_NAME, "wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)  # zipfile checks the CRC at the end
        except (KeyError, zipfile.BadZipFile, OSError, EOFError):
            raise DataError("备份文件已损坏（内容不完整或校验失败）") from None
    if _sha256(into / paths.DB_NAME) != manifest.get("db_sha256"):
        raise DataError("备份文件已损坏（数据库校验值不符）")
    try:
        keyfile = KeyFile.load(into / paths.KEYS_NAME)
    except (ValueError, KeyError, OSError):
        raise DataError("备份文件中的密钥文件已损坏") from None
    if keyfile.installation_id != manifest["installation_id"]:
        raise DataError("备份文件已损坏（密钥文件与清单不符）")
    return manifest, keyfile


def verify_copy(db: Path, data_key: bytes, installation_id: str, thorough: bool = True) -> list[str]:
    """Problems of a database copy (empty = it opens, is sound and belongs to the installation)."""
    try:
        conn = _keyed(db, data_key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            inst = conn.execute("SELECT installation_id FROM institution").fetchone()
        finally:
            conn.close()
    except sqlcipher3.DatabaseError:
        return ["数据库无法用此密钥打开，或文件已损坏"]
    if rev is None or rev[0] not in migrate_revisions():
        return ["数据库版本未知（可能由更新版本的村医制作），请先升级本软件"]
    if inst is None or inst[0] != installation_id:
        return ["数据库与密钥文件不属于同一安装"]
    return integrity.check_file(db, data_key, thorough)


def migrate_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.config())
    return {r.revision for r in script.walk_revisions()}


def check_backup_file(path: Path, data_key: bytes, thorough: bool = True) -> list[str]:
    """Unpack a backup and open and check its database with a known data key (automatic
    backups use thorough=False: every page's checksum, quick_check, foreign keys, audit chain)."""
    path = Path(path)
    with staging(path.parent, VERIFY_PREFIX) as stage:
        try:
            manifest, _ = unpack(path, stage)
            return verify_copy(stage / paths.DB_NAME, data_key, manifest["installation_id"], thorough)
        except DataError as e:
            return [str(e)]


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
            conn = _keyed(paths.db_path(data_dir), key, read_only=True)
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
        conn = _keyed(db, data_key)
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


def _keys_without_login_counts(path: Path) -> str:
    """The key file for a backup: the failed-login bookkeeping (app/authstate.py) belongs to the
    live installation; a restored copy must neither reset its back-off nor audit it twice."""
    from app.crypto.keyfile import AUTH_SECTION, read_raw

    raw = read_raw(path)
    raw.pop(AUTH_SECTION, None)
    return json.dumps(raw, indent=1, sort_keys=True)


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
