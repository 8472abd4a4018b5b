"""One version number: app/version.py, read by pyproject.toml, `cunyi --version` and the About box."""

from __future__ import annotations

import re
import tomllib

from app.version import __version__
from tests.conftest import ROOT


def test_version_is_written_once():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.version.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    # The newest CHANGELOG entry names it: a release is not made without saying what changed.
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    first = re.search(r"^## (\S+)", changelog, re.M)
    assert first and first.group(1) == __version__


def test_cli_version(cli):
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"cunyi {__version__}"


def test_entry_points():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert meta["project"]["scripts"]["cunyi"] == "app.cli.main:main"
    assert meta["project"]["gui-scripts"]["cunyi-desktop"] == "ui.launch:run"
