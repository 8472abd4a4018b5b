"""The query planner's statistics (sqlite_stat1): without them SQLite guesses, and at 200,000
records it chose to scan every follow-up once per batch of residents (the due list took 55 s).
Refreshed after whatever changes the data's shape a lot: migrations, imports, large pulls."""

from __future__ import annotations

from typing import Any

# Rows sampled per index: enough for the planner to tell a selective index from a poor one,
# and ANALYZE stays a fraction of a second at 200,000 records.
ANALYSIS_LIMIT = 1000


def refresh(conn: Any) -> None:
    """ANALYZE on a DBAPI or SQLAlchemy connection (outside a write the caller holds open)."""
    run = getattr(conn, "exec_driver_sql", None) or conn.execute
    run(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    run("ANALYZE")


def refresh_store(store: Any) -> None:
    """After an import or a large pull: the statistics of the store's database anew."""
    with store.session(write=True) as s:
        refresh(s.connection())
