"""The county server over TLS with its own CA certificate; the client pins it with --ca-cert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from synchelp import tls_server

from app.services import residents


def test_enroll_and_sync_over_tls(county: Any, make_installation: Any, tmp_path: Path) -> None:
    if not county.db.startswith("sqlite"):
        pytest.skip("TLS is independent of the database; run once")
    with tls_server(county.db, tmp_path) as (url, cert):
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
