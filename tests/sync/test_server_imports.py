"""The county server runs without the desktop domain: it imports forms and sync.protocol/merge,
never app (DESIGN.md: imports run one way)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_server_never_imports_app() -> None:
    code = (
        "import sys, sync.server.api, sync.server.cli, sync.server.push\n"
        "bad = sorted(m for m in sys.modules if m == 'app' or m.startswith(('app.', 'sync.client', 'sync.local')))\n"
        "assert not bad, bad\n"
        "assert 'forms' in sys.modules and 'sync.merge' in sys.modules\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
