"""Create and upgrade the database with Alembic only (never metadata.create_all)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head. The engine must have foreign keys OFF: batch migrations copy
    tables, which would otherwise cascade or fail; the check afterwards catches breakage."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        bad = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
        if bad:
            raise RuntimeError(f"foreign key check failed after migration: {len(bad)} rows")


def current_at(db: Path, data_key: bytes) -> str | None:
    from app.db.engine import make_engine

    engine = make_engine(db, data_key)
    try:
        return current(engine)
    finally:
        engine.dispose()
