"""The first day on a fresh machine: the README's run flow finds its demo clinic in the one default
data directory, and the client keeps running from the wizard (or the demo) into the main window."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.helpers import click, log_in, screenshot, type_text
from ui.qt import QApplication, QTimer, QWizard

ROOT = Path(__file__).resolve().parents[2]
RUN_APP = ROOT / "packaging" / "run-app.sh"


def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An empty HOME and no CUNYI_DATA_DIR / XDG_* pointers, as on a machine never used before;
    applied to this process and returned for child processes."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("XDG_") or name == "CUNYI_DATA_DIR":
            monkeypatch.delenv(name)
    return dict(os.environ)


def installations(home: Path) -> list[Path]:
    """Every folder under `home` that holds a clinic's files."""
    return sorted({p.parent for p in home.rglob("*") if p.name in ("keys.json", "cunyi.db")})


def run_app_commands() -> list[list[str]]:
    """The `python -m app ...` steps of packaging/run-app.sh, in order, so this test follows the
    script instead of a copy of it."""
    steps = re.findall(r"\.venv/bin/python -m (app [^;\n]*)", RUN_APP.read_text("utf-8"))
    return [step.split() for step in steps]


def test_readme_run_flow_opens_the_demo_login(qtbot, guard, tmp_path, monkeypatch):
    env = fresh_home(tmp_path, monkeypatch)
    home = Path(env["HOME"])
    steps = run_app_commands()
    assert [s[:2] for s in steps] == [["app", "status"], ["app", "demo"]]
    status = subprocess.run([sys.executable, "-m", *steps[0]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert status.returncode == 1  # nothing yet: run-app.sh goes on to make the demo
    demo = subprocess.run([sys.executable, "-m", *steps[1]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    made = installations(home)
    assert len(made) == 1

    from ui.app import default_data_dir, open_client

    assert default_data_dir() == made[0]
    shell = open_client([])
    window = shell.login_window
    assert window is not None and shell.wizard is None  # the demo's login, not the wizard
    qtbot.addWidget(window)
    assert window.user.findText("demo") >= 0
    log_in(qtbot, window, "demo", "demo1234")
    qtbot.waitUntil(lambda: shell.main is not None, timeout=20000)
    qtbot.addWidget(shell.main)
    assert "示例村卫生室" in shell.main.windowTitle()
    shell.shutdown()
    assert installations(home) == made  # no second data folder
    data_folders = [p for p in (home / ".local" / "share").iterdir()]
    assert data_folders == [made[0]]
