"""mypy is clean on app/, forms/ and sync/ (the settings, and the modules left out for now, are
in pyproject.toml [tool.mypy])."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is missing: run packaging/setup-env.sh (dev extras)")
    # Its cache (.mypy_cache) makes a second run take seconds instead of a minute.
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_mypy_is_clean_on_app_forms_sync() -> None:
    out = _mypy()
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "Success" in out.stdout


def test_mypy_check_can_fail(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from app.clock import today\n\nx: str = today()\n")
    out = _mypy(str(wrong))
    assert out.returncode == 1 and "Incompatible types in assignment" in out.stdout
