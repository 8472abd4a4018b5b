"""Where the audit chain ended, kept outside the database, so a chain that was cut short, rolled
back or rewritten is noticed (issue 12). Every user holds the data key and could rehash the whole
chain; what they cannot reach is what was written elsewhere before:

- a head file beside the database (audit-head.json), rewritten after every commit that added to
  the chain: a database whose chain ends before it lost committed work (a damaged or deleted
  -wal file) or was truncated;
- every backup's manifest: a chain that no longer holds the entry a backup recorded was rewritten
  after that backup, and one shorter than a backup's was rolled back;
- the county server, which keeps the last head each device sent (sync/).

The head file is written without fsync: after a power cut it may name an older entry than the
database holds, which is no alarm (only a chain shorter than, or different from, an anchor is).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

HEAD_NAME = "audit-head.json"


def chain_head(conn: Any) -> dict[str, Any] | None:
    """{"seq", "hash"} of the chain's last entry on a DB-API or SQLAlchemy connection."""
    row = _one(conn, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
    return {"seq": row[0], "hash": row[1]} if row else None


def write_head(data_dir: Path, head: dict[str, Any], restored_at: str | None = None) -> None:
    old = read_head(data_dir)
    if old is not None and old["seq"] > head["seq"]:
        return  # never move the anchor backwards
    content = {"seq": head["seq"], "hash": head["hash"]}
    if restored_at or (old and old.get("restored_at")):
        content["restored_at"] = restored_at or old["restored_at"]  # type: ignore[index]
    _replace(data_dir, content)


def advance(data_dir: Path, head: dict[str, Any], base: dict[str, Any] | None,
            connect: Any) -> None:
    """After a commit that added entries from `base` (the entry they extend) up to `head`: move
    the head file forward, but only when the chain still holds the entry it names (else it keeps
    naming it, and every check reports it). The usual case, the file naming `base`, needs no
    query; `connect()` gives a connection for the others."""
    old = read_head(data_dir)
    if old is not None:
        if old["seq"] >= head["seq"]:
            return
        if base is None or (old["seq"], old["hash"]) != (base["seq"], base["hash"]):
            with connect() as conn:
                if compare(conn, old, "") != []:
                    return
    _replace(data_dir, {"seq": head["seq"], "hash": head["hash"],
                        **({"restored_at": old["restored_at"]} if old and old.get("restored_at") else {})})


_SIZE = 256  # the file is one fixed-size block, rewritten in place


def _replace(data_dir: Path, content: dict[str, Any]) -> None:
    """Rewrite the head file in place: one small write at offset 0 (a rename per commit cost
    0.6 ms of a 6 ms registration here). A torn write leaves text that does not parse, read as
    no anchor: no false alarm."""
    data = json.dumps(content).encode().ljust(_SIZE)
    try:
        fd = os.open(Path(data_dir) / HEAD_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError:
        pass  # a full disk must not fail a save that already committed; `check` says if it lags


def read_head(data_dir: Path) -> dict[str, Any] | None:
    try:
        head = json.loads((Path(data_dir) / HEAD_NAME).read_bytes()[:_SIZE])
    except (OSError, ValueError):
        return None
    if isinstance(head, dict) and isinstance(head.get("seq"), int) and isinstance(head.get("hash"), str):
        return head
    return None


def reset_head(data_dir: Path, head: dict[str, Any] | None, restored_at: str) -> None:
    """After a restore (an audited, deliberate step back) the anchor follows the restored chain,
    and backups made before the restore no longer count as anchors (the newer ones among them
    hold a chain the restore replaced on purpose)."""
    path = Path(data_dir) / HEAD_NAME
    path.unlink(missing_ok=True)
    if head is not None:
        write_head(data_dir, head, restored_at)


def compare(conn: Any, anchor: dict[str, Any], where: str) -> list[str]:
    """Problems of the chain against one anchor (`where` says which, in Chinese)."""
    last = chain_head(conn)
    last_seq = last["seq"] if last else 0
    seq = anchor["seq"]
    if seq > last_seq:
        gone = f"第{seq}条" if seq == last_seq + 1 else f"第{last_seq + 1}–{seq}条"
        return [f"审计日志比{where}记下的短：缺少{gone}（日志被截断或回退，"
                "或已保存的更改丢失，如 -wal 文件损坏或被删除）"]  # fmt: skip
    row = _one(conn, "SELECT hash FROM audit WHERE seq = ?", (seq,))
    if row is None:
        return [f"审计日志缺少{where}记下的第{seq}条"]
    if row[0] != anchor["hash"]:
        return [f"审计日志第{seq}条与{where}记下的不同：日志在那之后被改写"]
    return []


def problems(conn: Any, data_dir: Path, backup_folders: list[Path] | None = None) -> list[str]:
    """Every anchor the chain does not extend: the head file, then the backups' manifests."""
    found: list[str] = []
    head = read_head(data_dir)
    if head is not None:
        found += compare(conn, head, "数据库旁的日志头文件")
    since = str((head or {}).get("restored_at") or "")
    for folder in backup_folders or []:
        for manifest in _manifests(folder):
            anchor = manifest.get("audit_head")
            if str(manifest.get("created_at") or "") < since:
                continue
            if isinstance(anchor, dict) and isinstance(anchor.get("seq"), int):
                found += compare(conn, anchor, f"{manifest.get('created_at', '')[:10]}的备份")
    return found


def _manifests(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(Path(folder).glob("*.cunyibak")):
        try:
            with zipfile.ZipFile(path) as zf:
                out.append(json.loads(zf.read("manifest.json")))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            continue  # a damaged backup is reported by its own check
    return out


def _one(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    run = getattr(conn, "exec_driver_sql", None)
    result = run(sql, params) if run is not None else conn.execute(sql, params)
    return result.fetchone()
