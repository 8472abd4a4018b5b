"""Is a database sound? The checks (app/db/checks.py: SQLCipher page check, SQLite structure
check, foreign keys, audit chain), run on the live database and noted in the audit log.

Used by `cunyi check` on the live database and by backup/restore on a copy before trusting it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.db.checks import DB_ERRORS, check_file, check_session, reason
from app.services import audit

if TYPE_CHECKING:
    from app.store import Store

__all__ = ["DB_ERRORS", "check_file", "check_session", "check_store", "summary"]


def check_store(store: Store) -> list[str]:
    """Check the live database and note the check in the audit log (when it can still be written)."""
    problems: list[str] = []
    try:
        with store.session() as s:
            problems = check_session(s)
        problems += store.check_anchors()
    except DB_ERRORS as e:  # ending the read transaction on a damaged file can fail too
        problems = problems or [f"数据库文件损坏，无法读完：{reason(e)}"]
    try:
        audit.log(store, "check", detail={"problems": len(problems)})
    except DB_ERRORS as e:
        problems.append(f"无法写入审计日志：{reason(e)}")
    return problems


def summary(problems: list[str]) -> dict[str, Any]:
    return {"ok": not problems, "problems": problems}
