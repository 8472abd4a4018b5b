"""Helpers for the desktop sync tests: a real county server on 127.0.0.1 (one per test module),
real encrypted installations, and the logged-in client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.synchelp import COUNTY, PASSWORD, USER, County, Installation, cli


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    workdir = tmp_path_factory.mktemp("county-ui")
    db = f"sqlite:///{workdir / 'county.db'}"
    out = cli("county", "init", "--db", db, "--area", COUNTY, "--name", "朝阳区")
    assert out.returncode == 0, out.stderr
    c = County(db, workdir)
    c.start()
    yield c
    c.stop()
    c.engine.dispose()


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[Any]:
    made: list[Installation] = []

    def make(area: str, county: County | None = None, url: str | None = None) -> Installation:
        inst = Installation(tmp_path / f"inst-{area}-{len(made)}", area)
        made.append(inst)
        if county is not None:
            inst.enroll(county, url)
        return inst

    yield make
    for inst in made:
        inst.close()


def open_client(qtbot: Any, data_dir: Path, **auto: float) -> tuple[Any, Any]:
    """Start the desktop client on an installation and log in as its admin. `auto` sets the
    sync controller's intervals (probe_seconds, settle_seconds, pull_minutes) before it starts."""
    from tests.ui.helpers import log_in
    from ui.shell import Shell
    from ui.sync_auto import SyncController

    saved = {k: os.environ.get(f"CUNYI_SYNC_{k.upper()}") for k in auto}
    for k, v in auto.items():
        os.environ[f"CUNYI_SYNC_{k.upper()}"] = str(v)
    try:
        shell = Shell(data_dir)
        window = shell.start()
        qtbot.addWidget(window)
        log_in(qtbot, window, USER, PASSWORD)
        qtbot.waitUntil(lambda: shell.main is not None, timeout=15000)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(f"CUNYI_SYNC_{k.upper()}", None)
            else:
                os.environ[f"CUNYI_SYNC_{k.upper()}"] = v
    qtbot.addWidget(shell.main)
    assert isinstance(shell.main.sync, SyncController)
    return shell, shell.main


def close_client(shell: Any) -> None:
    """What closing the window does in ui/app.py: close, daily backup, shutdown."""
    main = shell.main
    main.close()
    shell.backup_on_exit()
    shell.shutdown()


def status_text(main: Any) -> str:
    return main.sync_status.text()


def server_resident(county: County, uuid: str) -> dict[str, Any] | None:
    import json

    rows = county.query("SELECT data FROM entity WHERE uuid = :u", u=uuid)
    if not rows:
        return None
    data = rows[0][0]
    return json.loads(data) if isinstance(data, str) else data


def pending(store: Any) -> int:
    from sync.client import status

    return status(store)["queue"]
