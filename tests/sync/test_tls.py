"""The county server over TLS with its own CA certificate; the client pins it with --ca-cert."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from synchelp import ROOT, free_port, self_signed

from app.services import residents


def test_enroll_and_sync_over_tls(county: Any, make_installation: Any, tmp_path: Path) -> None:
    if not county.db.startswith("sqlite"):
        pytest.skip("TLS is independent of the database; run once")
    cert, key = self_signed(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "county", "serve", "--db", county.db, "--port", str(port),
         "--tls-cert", str(cert), "--tls-key", str(key)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/api/v1/health", verify=str(cert), timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        t = county.township()
        inst = make_installation(t + "001")
        untrusted = inst.cli("enroll", "--server", url, "--code", county.enroll_code(t + "001"))
        assert untrusted.returncode != 0 and "证书" in untrusted.stderr
        ok = inst.cli(
            "enroll",
            "--server",
            url,
            "--code",
            county.enroll_code(t + "001"),
            "--ca-cert",
            str(cert),
        )
        assert ok.returncode == 0, ok.stderr
        residents.add(inst.store, {"name": "严十三", "sex": "1", "birth_date": "1980-01-01"})
        out = inst.cli("sync", "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["pushed"] == 1
    finally:
        proc.terminate()
        proc.wait(10)
