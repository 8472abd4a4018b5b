"""The OpenAPI document describes every request body, response body and status, and the server
keeps to it: a bounded schemathesis run (bodies generated from the document, valid and not)
against a real server on the test database finds no 5xx and no response outside the document.
Slow (about 60-90 s); skipped where schemathesis is not installed (pip install -e .[dev])."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from synchelp import ROOT, County

pytest.importorskip("schemathesis")

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_every_operation_documents_its_bodies_and_statuses(county: County) -> None:
    spec = requests.get(county.api("/openapi.json")).json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert "application/json" in op["responses"]["200"]["content"], where
            assert {"400", "503"} <= set(op["responses"]), where
            if method == "post" and not path.endswith("/token"):
                assert op["requestBody"]["content"]["application/json"]["schema"], where
            if not path.endswith(("/health", "/enroll")):
                assert op["security"] == [{"device": []}] and "401" in op["responses"], where


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    county: County, tmp_path: Path
) -> None:
    t = county.township()
    # Its own server on the test database: the run's bad tokens must not throttle the others.
    fuzz = County(county.db, tmp_path)
    fuzz.start(args=("--auth-failures", "1000000"))
    try:
        code = county.enroll_code(t + "001")
        token = requests.post(fuzz.api("/enroll"), json={"code": code, "area": t + "001"}).json()[
            "token"
        ]
        env: dict[str, Any] = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
        out = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", fuzz.api("/openapi.json"),
             "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
             "--exclude-path-regex", "/token$",  # it would rotate the run's own token away
             "--max-time", "60", "--max-examples", "25", "--seed", "17", "--no-shrink",
             "--report-dir", str(tmp_path / "report")],
            cwd=tmp_path, capture_output=True, text=True, timeout=240, env=env,
        )  # fmt: skip
    finally:
        fuzz.stop()
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "generated" in out.stdout
