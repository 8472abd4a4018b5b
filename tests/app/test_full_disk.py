"""A full disk: every command that must write says 磁盘空间不足 naming the folder (no 内部错误),
reading (find, show, print to a file elsewhere) still works with its audit entries held in memory
and written once there is room, and nothing saved is lost once space is freed. Issue 12."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import residents
from app.store import Store
from tests.conftest import ADMIN, PASSWORD, Cli

pytestmark = pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0,
                                reason="needs a small tmpfs, mounted as root")  # fmt: skip


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_writes_on_a_full_disk_say_so_and_lose_nothing(small_disk: Path, template_dir) -> None:
    data = small_disk / "clinic"
    shutil.copytree(template_dir[0], data)
    store = Store.open(data, ADMIN, PASSWORD)
    residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"})
    store.close()
    filler = fill(small_disk)
    cli = Cli(data)
    added = cli("resident", "add", "--json", "-",
                input='{"name": "单田芳", "sex": "1", "birth_date": "1950-01-02"}')  # fmt: skip
    assert added.returncode != 0
    assert "磁盘空间不足" in added.stderr and str(data) in added.stderr, added.stderr
    assert "内部错误" not in added.stderr
    filler.unlink()
    checked = cli("check")
    assert checked.returncode == 0, checked.stderr
    found = cli("resident", "find", "", "--json")
    assert found.returncode == 0 and "李秀英" in found.stdout and "单田芳" not in found.stdout


def test_reading_on_a_full_disk_works_and_its_audit_waits(small_disk: Path, template_dir,
                                                        tmp_path: Path, caplog) -> None:  # fmt: skip
    import json

    from app.services import audit, integrity

    data = small_disk / "clinic"
    shutil.copytree(template_dir[0], data)
    store = Store.open(data, ADMIN, PASSWORD)
    ref = residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"})["uuid"]
    store.close()
    filler = fill(small_disk)
    cli = Cli(data)
    found = cli("resident", "find", "", "--json")
    assert found.returncode == 0, found.stderr
    assert [r["name"] for r in json.loads(found.stdout)] == ["李秀英"]
    assert "磁盘已满" in found.stderr and str(data) in found.stderr
    # Not written, and said so, naming what: the login (no personal data).
    assert "条审计记录未能写入审计日志" in found.stderr and "登录" in found.stderr
    shown = cli("resident", "show", ref, "--json")
    assert shown.returncode == 0 and "李秀英" in shown.stdout, shown.stderr
    pdf = tmp_path / "card.pdf"  # another disk
    printed = cli("print", "card", ref, "-o", str(pdf))
    assert printed.returncode == 0 and pdf.stat().st_size > 1000, printed.stderr
    added = cli("resident", "add", "--json", "-",
                input='{"name": "单田芳", "sex": "1", "birth_date": "1950-01-02"}')  # fmt: skip
    assert added.returncode != 0 and "磁盘空间不足" in added.stderr and str(data) in added.stderr

    # Closed while still full: what was not written is logged (time and action only).
    store = Store.open(data, ADMIN, PASSWORD)
    residents.get(store, ref)
    store.close()
    assert "disk full: 2 audit entries not written" in caplog.text and "李秀英" not in caplog.text

    # A session that stays open (the desktop client): held entries are written once there is room.
    store = Store.open(data, ADMIN, PASSWORD)
    try:
        assert store.full_disk
        assert residents.get(store, ref)["name"] == "李秀英"
        assert [e["action"] for e in store.held_audit] == ["login", "view"]
        filler.unlink()
        residents.add(store, {"name": "单田芳", "sex": "1", "birth_date": "1950-01-02"})
        assert store.held_audit == []
        log = audit.entries(store)
        held = [e for e in log if e["detail"].get("held")]
        assert [e["action"] for e in held] == ["login", "view"]
        assert log[-1]["action"] == "create"  # after the held ones, in their order
        assert integrity.check_store(store) == []
    finally:
        store.close()
    assert sorted(r["name"] for r in json.loads(cli("resident", "find", "", "--json").stdout)) == [
        "单田芳", "李秀英"]  # fmt: skip
