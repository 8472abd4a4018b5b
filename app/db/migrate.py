"""Create and upgrade the database with Alembic only (never metadata.create_all)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision. Kept here so opening a database need not import Alembic (~0.4 s on an old
# laptop); a test checks it against the migration scripts.
HEAD = "0013"


def config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    return HEAD


def is_newer(revision: str | None) -> bool:
    """A database written by a later version of the program (revision ids are numbered)."""
    return bool(revision and revision.isdigit() and int(revision) > int(HEAD))


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
        if not exists:
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head. The engine must have foreign keys OFF: batch migrations copy
    tables, which would otherwise cascade or fail; the check afterwards catches breakage."""
    from alembic import command

    cfg = config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        from app.db import planner

        planner.refresh(conn)  # a new index or table is worth nothing to a planner without statistics
        bad = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
        if bad:
            raise RuntimeError(f"foreign key check failed after migration: {len(bad)} rows")


def upgrade_file(db: Path, data_key: bytes) -> None:
    """Bring a closed database file to head (a new installation, or the upgrade after its
    backup: app/upgrade.py)."""
    from app.db.engine import make_engine

    engine = make_engine(db, data_key, foreign_keys=False)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def downgrade_file(db: Path, data_key: bytes, revision: str) -> None:
    """Take a closed database file back to `revision` (support and upgrade tests: the next login
    upgrades it again)."""
    from alembic import command

    from app.db.engine import make_engine

    engine = make_engine(db, data_key, foreign_keys=False)
    try:
        cfg = config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def current_at(db: Path, data_key: bytes, exclusive: bool = False) -> str | None:
    from app.db.engine import make_engine

    engine = make_engine(db, data_key, exclusive=exclusive)
    try:
        return current(engine)
    finally:
        engine.dispose()
