"""The CouchDB-protocol comparison script runs end to end at a tiny scale (bench/bench_couch.py).
Skipped where node or its npm packages (npm ci --prefix bench/couch) are not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from synchelp import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from bench_couch import missing  # noqa: E402


@pytest.mark.skipif(missing() is not None, reason=f"CouchDB comparison: {missing()}")
def test_couch_comparison_runs_at_tiny_scale() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_couch.py"), "--residents", "10",
         "--records-per", "2", "--db", "sqlite"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    first = lines.index("first sync (empty client)")
    figures = {line.split()[0]: line.split() for line in lines[first + 2 : first + 6]}
    # ours: the token rotation, one snapshot page and one pull for 30 entities, and the audit
    # head; CouchDB: checkpoints, changes, bulk_get
    assert figures["requests"][1] == "4", figures
    assert int(figures["requests"][2]) > 2, figures
    assert "no-op sync" in lines and "sync after 5 residents changed on the server" in lines
    assert any(line.startswith("push of 5 edits made on the client") for line in lines)
