"""SQLCipher's memory security: on in the desktop client (it holds the key all day and its hot
path, search, costs the same), off for the command line's batch work (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import os, sys
from pathlib import Path
{setup}
from app.db.engine import make_engine
engine = make_engine(Path(sys.argv[1]), bytes(32))
with engine.connect() as c:
    print(c.exec_driver_sql("PRAGMA cipher_memory_security").scalar())
"""


def wiping(setup: str, tmp_path: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup), str(tmp_path / "x.db")],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]  # after what --version printed


def test_on_in_the_desktop_client(tmp_path: Path) -> None:
    # the desktop entry point, as far as it goes before the window (--version returns there)
    assert wiping("from ui.launch import desktop\ndesktop(['--version'])", tmp_path) == "1"


def test_off_for_the_command_line(tmp_path: Path) -> None:
    setup = "from app.cli.main import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    assert wiping(setup, tmp_path) == "0"
