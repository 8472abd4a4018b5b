"""The desktop client on a full disk (a real tmpfs): the login works, the resident list shows,
a non-blocking message says saving is not possible and the audit entries wait. Issue 12."""

from __future__ import annotations

import os
import shutil

import pytest

from app.store import Store
from tests.app.test_full_disk import fill, small_disk  # noqa: F401 - the fixture
from tests.ui.conftest import ADMIN
from tests.ui.helpers import screenshot, start_logged_in

pytestmark = pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0,
                                reason="needs a small tmpfs, mounted as root")  # fmt: skip


def test_reading_on_a_full_disk(qtbot, guard, installation, small_disk):  # noqa: F811
    data_dir = small_disk / "clinic"
    shutil.copytree(installation[0], data_dir)
    Store.open(data_dir, *ADMIN).close()  # the last connection folds the WAL in and removes it
    assert not (data_dir / "cunyi.db-wal").exists()
    fill(small_disk)
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)  # waits for the resident list's rows
    try:
        qtbot.waitUntil(lambda: shell.full_disk_warning is not None, timeout=5000)
        box = shell.full_disk_warning
        assert box.isVisible() and not box.isModal()
        assert "磁盘已满" in box.text() and str(data_dir) in box.text()
        assert main.residents.model.rowCount() == 3
        screenshot(box, "full-disk-warning")
    finally:
        shell.shutdown()
