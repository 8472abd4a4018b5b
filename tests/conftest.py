"""Shared fixtures: fast key wrapping in tests, a template installation copied per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Key wrapping costs ~0.25 s in production (Argon2id, 64 MiB); tests make hundreds of
# installations. The cheap cost is honoured only while pytest runs (app/crypto/keyfile.py).
os.environ.setdefault("CUNYI_KDF_COST", "test")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
AREA = "110105001101"  # 北京市朝阳区, township 001, village 101
ADMIN, PASSWORD = "admin", "secret123"


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from app.store import Store

    d = tmp_path_factory.mktemp("template") / "data"
    store, code = Store.create(d, area=AREA, institution_name="测试村卫生室", user=ADMIN,
                               password=PASSWORD, display_name="王医生")  # fmt: skip
    store.close()
    return d, code


@pytest.fixture
def data_dir(tmp_path: Path, template_dir: tuple[Path, str]) -> Path:
    d = tmp_path / "data"
    shutil.copytree(template_dir[0], d)
    return d


@pytest.fixture
def recovery_code(template_dir: tuple[Path, str]) -> str:
    return template_dir[1]


@pytest.fixture
def store(data_dir: Path):  # type: ignore[no-untyped-def]
    from app.store import Store

    s = Store.open(data_dir, ADMIN, PASSWORD)
    yield s
    s.close()


class Cli:
    """Runs the real `cunyi` command in a subprocess against one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = dict(os.environ, CUNYI_DATA_DIR=str(data_dir), CUNYI_USER=ADMIN,
                        CUNYI_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))  # fmt: skip

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
        return subprocess.run(
            [sys.executable, "-m", "app", *args], cwd=ROOT, input=input, capture_output=True,
            text=True, env={**self.env, **(env or {})}, timeout=timeout,
        )  # fmt: skip


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir)

