"""The county server's Alembic chain builds exactly the tables its models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync.server.db import check_schema, make_engine, upgrade
from sync.server.models import Base


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(engine)
    check_schema(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    upgrade(engine)  # a second run is a no-op


def test_history_starts_from_what_the_server_held_before_the_upgrade(tmp_path: Path) -> None:
    """Migration 0005 on a database with data: each entity gets its first version, and the new
    tables are append-only from then on."""
    import pytest
    from alembic import command
    from sqlalchemy import text

    from sync.server.db import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
        conn.execute(text(
            "INSERT INTO entity (uuid, kind, area, rev, seq, data, created_at, updated_at) VALUES "
            "('u1', 'resident', '110105100001', 3, 7, '{\"name\": \"x\"}', '2026-01-01', '2026-01-02')"
        ))  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        rows = list(conn.execute(text("SELECT uuid, rev, seq, area, device_id FROM entity_version")))
        assert rows == [("u1", 3, 7, "110105100001", None)]
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM entity_version"))
