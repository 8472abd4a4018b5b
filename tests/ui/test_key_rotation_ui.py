"""The admin screen disables a user and resets a password as compromised through the same
service as the CLI: the data key is replaced (a copy of the old key file no longer opens the live
database) and the admin is told it takes a while. Issue 12."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import sqlcipher3

from app.crypto.keyfile import KeyFile
from app.db.engine import probe
from tests.ui.conftest import ADMIN, DOCTOR
from tests.ui.helpers import click, screenshot, start_logged_in
from ui.qt import QDialogButtonBox, QPushButton


def opens_live(data_dir, kept, user, password) -> bool:
    key = KeyFile.load(kept).unwrap(user, password)
    try:
        probe(data_dir / "cunyi.db", key)
    except sqlcipher3.DatabaseError:
        return False
    return True


def choose(dialog, name: str) -> None:
    for row in range(dialog.table.rowCount()):
        if dialog.table.item(row, 0).text() == name:
            dialog.table.selectRow(row)
            return
    raise AssertionError(name)


def test_disable_and_compromised_reset_replace_the_key(qtbot, guard, installation, tmp_path):
    data_dir, _ = installation
    kept = tmp_path / "kept-keys.json"
    shutil.copy(data_dir / "keys.json", kept)
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    try:
        main.show()
        main.actions_by_name["users"].trigger()
        dialog = main.dialogs["users"]
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
        choose(dialog, DOCTOR[0])
        dialog.reset_password()
        reset = dialog.reset_dialog
        reset.fields.first.setText("clinic-pw-31")
        reset.fields.repeat.setText("clinic-pw-31")
        click(qtbot, reset.compromised)
        screenshot(reset, "74-reset-compromised")
        click(qtbot, reset.buttons.button(QDialogButtonBox.StandardButton.Ok))
        assert reset.busy is not None and "需要几分钟" in reset.busy.labelText()
        qtbot.waitUntil(lambda: "数据密钥已更换" in dialog.message.text(), timeout=15000)
        assert not opens_live(data_dir, kept, DOCTOR[0], DOCTOR[1])
        shutil.copy(data_dir / "keys.json", kept)
        choose(dialog, DOCTOR[0])
        click(qtbot, dialog.findChild(QPushButton, "disableUser"))
        assert dialog.busy is not None and "需要几分钟" in dialog.busy.labelText()
        screenshot(dialog.busy, "75-rotation-busy")
        qtbot.waitUntil(lambda: "已停用用户" in dialog.message.text(), timeout=15000)
        assert not dialog.busy.isVisible()
        qtbot.waitUntil(lambda: dialog.table.item(1, 3).text() == "已停用", timeout=5000)
        screenshot(dialog, "76-user-disabled")
        assert not opens_live(data_dir, kept, DOCTOR[0], "clinic-pw-31")
        # The window goes on under the new key, and so does the next sync run's second store.
        main.residents.search_box.setText("张")
        qtbot.waitUntil(lambda: main.residents.model.rowCount() == 1, timeout=5000)
        main.sync.auto = False
        main.sync.start()
        qtbot.waitUntil(lambda: main.sync._opener is not None, timeout=5000)
        # (opened here, on the test's thread: without the GUI-thread guard's hook)
        second = dataclasses.replace(main.sync._opener, query_hook=None).open()
        try:
            from app.services import residents

            assert len(residents.find(second, "")) == 3
        finally:
            second.close()
    finally:
        shell.shutdown()
    with pytest.raises(Exception, match="已停用"):
        from app.store import Store

        Store.open(data_dir, DOCTOR[0], "clinic-pw-31")
    Store.open(data_dir, *ADMIN).close()
