"""The data folder is its user's alone (0700, files 0600) and a process holding the data key
writes no core dump. Issue 12."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from app.store import Store
from tests.conftest import ADMIN, AREA, PASSWORD, ROOT

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses the installer's ACL")


def modes(folder) -> dict[str, int]:
    out = {".": stat.S_IMODE(folder.stat().st_mode)}
    for p in folder.rglob("*"):
        out[str(p.relative_to(folder))] = stat.S_IMODE(p.stat().st_mode)
    return out


def test_cli_init_makes_a_private_folder_whatever_the_umask(tmp_path):
    d = tmp_path / "clinic"
    env = dict(os.environ, CUNYI_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))
    r = subprocess.run(
        ["sh", "-c", 'umask 022; exec "$0" -m app init --data-dir "$1" --area "$2" '
                     '--institution-name 东村卫生室 --user admin',
         sys.executable, str(d), AREA],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    found = modes(d)
    assert found.pop(".") == 0o700
    assert found and all(m == 0o600 for m in found.values()), found


def test_opening_an_old_installation_makes_it_private(data_dir):
    data_dir.chmod(0o755)
    for p in data_dir.iterdir():
        p.chmod(0o644)
    Store.open(data_dir, ADMIN, PASSWORD).close()
    found = modes(data_dir)
    assert found.pop(".") == 0o700
    assert all(m == 0o600 for m in found.values()), found


def test_the_process_writes_no_core_dump():
    code = ("import resource, ctypes; from app.hardening import harden_process; harden_process();"
            "print(resource.getrlimit(resource.RLIMIT_CORE), ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)  # fmt: skip
    assert r.stdout.split() == ["(0,", "0)", "0"], r.stdout + r.stderr
