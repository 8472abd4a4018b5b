"""SQLCipher engine: raw data key, WAL, synchronous=FULL, foreign keys, immediate write transactions."""

from __future__ import annotations

import contextvars
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event

from app import hardening

# Write transactions take the database lock at BEGIN (BEGIN IMMEDIATE) so two processes never
# both read and then fail to upgrade to a write lock half-way through a save.
write_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("write_tx", default=False)


def use_memory_security(on: bool = True) -> None:
    """SQLCipher's memory security for the engines this process makes from now on (the setting
    and why the desktop client only turns it on: app/hardening.py)."""
    hardening.memory_security = on


def make_engine(
    path: Path,
    data_key: bytes,
    *,
    foreign_keys: bool = True,
    memory_security: bool | None = None,
    exclusive: bool = False,
) -> Engine:
    """`exclusive`: for a disk too full to make the -shm file (Store.open_with_key): one
    connection in EXCLUSIVE locking mode keeps the WAL index in its own memory, so reading works;
    it holds the database for itself until closed, and writes fail as a full disk."""
    # A file URL gives a QueuePool; SingletonThreadPool crashes sqlcipher3 under threads.
    engine = create_engine(f"sqlite:///{path}", module=sqlcipher3, pool_size=1 if exclusive else 4,
                           max_overflow=0 if exclusive else 4)  # fmt: skip
    key_pragma = f"PRAGMA key = \"x'{data_key.hex()}'\""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA cipher_log_level = NONE")
        cur.execute(key_pragma)  # must be the first statement that touches the file
        if exclusive:
            cur.execute("PRAGMA locking_mode = EXCLUSIVE")  # before the first access: no -shm
        wipe = hardening.memory_security if memory_security is None else memory_security
        cur.execute(f"PRAGMA cipher_memory_security = {'ON' if wipe else 'OFF'}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")  # a power cut must not lose a saved form
        cur.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA temp_store = MEMORY")
        # 32 MB page cache (default 2 MB): search p95 halves at 24,000 residents; pages are
        # allocated only as they are read, and the client uses one connection.
        cur.execute("PRAGMA cache_size = -32000")
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_transaction.get() else "BEGIN")

    return engine


def probe(path: Path, data_key: bytes, exclusive: bool = False) -> None:
    """Open the file with the key and read its schema; raises sqlcipher3.DatabaseError if the key
    is wrong or the file is damaged."""
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        if exclusive:
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
