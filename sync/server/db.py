"""Engine, migrations and the commit-ordered sequence for the county server's database."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import Counter

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaError(RuntimeError):
    pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)  # fmt: skip

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        # SQLite has one writer at a time. Queue this process's transactions on a lock rather
        # than in SQLite's busy handler, which polls and can starve a waiter past its timeout.
        writer = threading.Lock()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            writer.acquire()
            conn.info["writer"] = True
            try:
                # IMMEDIATE takes the write lock up front (another process may hold it).
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                conn.info.pop("writer")
                writer.release()
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _sqlite_end(conn) -> None:  # type: ignore[no-untyped-def]
            if conn.info.pop("writer", False):
                writer.release()

        return engine
    # hide_parameters: an error's text must not carry residents' values into a log.
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         hide_parameters=True)  # fmt: skip


def alembic_config(engine_conn) -> Config:  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = engine_conn
    return cfg


def upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")


def check_schema(engine: Engine) -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        raise SchemaError("县级服务器数据库未初始化或版本过旧：请先运行 cunyi county init")


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class SeqAllocator:
    """Hands out sequence numbers inside one writing transaction.

    The counter row is read FOR UPDATE first thing, so it stays locked until this transaction
    commits: every number handed out is higher than any already committed, and no transaction
    with a lower number can commit later (the late-commit gap that makes cursors skip changes).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.row = session.execute(
            select(Counter).where(Counter.name == "seq").with_for_update()
        ).scalar_one()

    def next(self) -> int:
        self.row.value += 1
        return self.row.value
