"""The backup file itself: written, unpacked and checked without an opened store, so the upgrade
of a previous version's data (app/upgrade.py, run while the store opens) can make one. What needs
a logged-in store (audited backups, automatic backups, restore) is app/services/backup.py.

A backup is a zip holding manifest.json, keys.json (the wrapped data keys: no secret in the clear)
and cunyi.db, a page-for-page copy made with SQLite's backup API and so encrypted with the same
data key.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3

from app import paths
from app.clock import now_iso
from app.crypto.keyfile import KeyFile
from app.db import migrate
from app.db.checks import check_file
from app.errors import DataError
from app.services import anchors
from app.staging import VERIFY_PREFIX, staging

FORMAT = "cunyi-backup"
VERSION = 1
SUFFIX = ".cunyibak"
CHUNK = 1 << 20


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut (also used by app/upgrade.py)."""
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks (the manifest's db_sha256)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def keyed(path: Path, data_key: bytes, read_only: bool = False) -> sqlcipher3.Connection:
    """A plain SQLCipher connection to a database file with the data key."""
    # Read-only: closing it never checkpoints the WAL, so the files stay byte-for-byte as they were.
    conn = (sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) if read_only
            else sqlcipher3.connect(str(path)))  # fmt: skip
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    return conn


def copy_file(db: Path, data_key: bytes, target: Path) -> None:
    """A consistent snapshot of a live database (committed transactions only), same key."""
    src = keyed(db, data_key)
    dst = keyed(target, data_key)
    try:
        src.backup(dst)  # one step: the source is read-locked, so the copy is one snapshot
    finally:
        dst.close()
        src.close()


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
        src = keyed(paths.db_path(data_dir), data_key)
        try:
            head = anchors.chain_head(src)
        except sqlcipher3.DatabaseError:
            same_key(data_dir, data_key)  # a window still holding a replaced key: said as such
            raise DataError("无法备份：数据库文件有损坏的页（请运行 cunyi check，并用较早的备份恢复）") from None
        finally:
            src.close()
        try:
            copy_file(paths.db_path(data_dir), data_key, tmp_db)
        except sqlcipher3.DatabaseError:
            same_key(data_dir, data_key)
            raise DataError("无法备份：数据库文件有损坏的页（请运行 cunyi check，并用较早的备份恢复）") from None
        manifest: dict[str, Any] = {
            "format": FORMAT, "version": VERSION,
            "installation_id": installation_id, "created_at": now_iso(),
            "schema": schema, "db_sha256": sha256(tmp_db), "db_bytes": tmp_db.stat().st_size,
            "audit_head": head,  # an anchor (app/services/anchors.py)
        }  # fmt: skip
        keys = keys_without_login_counts(paths.keys_path(data_dir))
        same_key(data_dir, data_key, keys)  # read after the copy: a key change in between shows
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


def same_key(data_dir: Path, data_key: bytes, keys: str | None = None) -> None:
    """A backup's key file must open its database: refused when another process has replaced
    the data key since this one logged in (app/services/rotation.py)."""
    try:
        kf = (KeyFile.from_raw(json.loads(keys)) if keys is not None
              else KeyFile.load(paths.keys_path(data_dir)))  # fmt: skip
    except (ValueError, KeyError, OSError):
        return  # a damaged key file is the backup check's to report
    if kf.holds(data_key) is False:
        raise DataError("数据密钥已在另一个窗口中更换（停用了用户或重设了密码），未备份；请退出后重新登录")


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
                shutil.copyfileobj(src, dst, CHUNK)  # zipfile checks the CRC at the end
        except (KeyError, zipfile.BadZipFile, OSError, EOFError):
            raise DataError("备份文件已损坏（内容不完整或校验失败）") from None
    if sha256(into / paths.DB_NAME) != manifest.get("db_sha256"):
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
        conn = keyed(db, data_key)
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
    return check_file(db, data_key, thorough)


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


def keys_without_login_counts(path: Path) -> str:
    """The key file for a backup: the failed-login bookkeeping (app/authstate.py) belongs to the
    live installation; a restored copy must neither reset its back-off nor audit it twice."""
    from app.crypto.keyfile import AUTH_SECTION, read_raw

    raw = read_raw(path)
    raw.pop(AUTH_SECTION, None)
    return json.dumps(raw, indent=1, sort_keys=True)
