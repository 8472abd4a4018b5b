"""A real county server on 127.0.0.1 (SQLite, and PostgreSQL when one answers on :5432) and real
encrypted installations that sync with it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synchelp import COUNTY, County, Installation, cli, postgres_up


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[County]:
    workdir = tmp_path_factory.mktemp(f"county-{request.param}")
    admin_url = None
    if request.param == "postgres":
        if not postgres_up():
            pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
        import psycopg

        name = f"cunyi_test_{secrets.token_hex(4)}"
        admin_url = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        db = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        db = f"sqlite:///{workdir / 'county.db'}"
    out = cli("county", "init", "--db", db, "--area", COUNTY, "--name", "朝阳区")
    assert out.returncode == 0, out.stderr
    c = County(db, workdir)
    c.start()
    yield c
    c.stop()
    c.engine.dispose()
    if admin_url:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_installation(tmp_path: Path) -> Iterator[Any]:
    made: list[Installation] = []

    def make(area: str, county: County | None = None) -> Installation:
        inst = Installation(tmp_path / f"inst-{area}-{len(made)}", area)
        made.append(inst)
        if county is not None:
            inst.enroll(county)
        return inst

    yield make
    for inst in made:
        inst.close()


@pytest.fixture
def three(
    county: County, make_installation: Any
) -> tuple[Installation, Installation, Installation, str]:
    """Two village clinics of one township and the township hospital, all enrolled."""
    t = county.township()
    return (make_installation(t + "001", county), make_installation(t + "002", county),
            make_installation(t + "000", county), t)  # fmt: skip
