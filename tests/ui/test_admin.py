"""Admin screens: settings, audit view, backup, status change, batch printing with cancel, and
the check that no database query ever runs on the GUI thread."""

from __future__ import annotations

import threading

import pytest

from tests.ui.conftest import ADMIN
from tests.ui.helpers import click, screenshot, start_logged_in, type_text
from ui import tasks
from ui.qt import QDialogButtonBox, QPushButton


@pytest.fixture
def admin(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.show()
    yield shell, main, uuids
    shell.shutdown()


def test_settings_change_idle_lock(qtbot, admin):
    shell, main, _ = admin
    main.actions_by_name["settings"].trigger()
    dialog = main.dialogs["settings"]
    dialog.idle.setValue(3)
    dialog.institution.clear()
    type_text(qtbot, dialog.institution, "李家村卫生室（新）")
    screenshot(dialog, "70-settings")
    click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save))
    qtbot.waitUntil(lambda: shell.idle.minutes == 3, timeout=5000)
    qtbot.waitUntil(lambda: "（新）" in main.windowTitle(), timeout=5000)
    assert main.sync.auto  # on by default
    main.actions_by_name["settings"].trigger()
    dialog = main.dialogs["settings"]
    assert dialog.sync_auto.isChecked()
    click(qtbot, dialog.sync_auto)  # a metered link: only 立即同步 sends
    click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save))
    qtbot.waitUntil(lambda: not main.sync.auto, timeout=5000)
    assert shell.settings["sync_auto"] is False


def test_audit_view_lists_logins(qtbot, admin):
    _, main, _ = admin
    main.actions_by_name["audit"].trigger()
    dialog = main.dialogs["audit"]
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=5000)
    actions = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert "登录" in actions and "添加用户" in actions
    screenshot(dialog, "71-audit")


def test_backup_now_writes_a_verified_file(qtbot, admin):
    shell, main, _ = admin
    main.actions_by_name["backup"].trigger()
    dialog = main.dialogs["backup"]
    click(qtbot, dialog.backup_button)
    qtbot.waitUntil(lambda: dialog.files.count() == 1, timeout=20000)
    assert "已校验" in dialog.message.text()
    assert list((shell.data_dir / "backups").glob("*.cunyibak"))
    screenshot(dialog, "72-backup")


def test_status_change_needs_reason(qtbot, admin):
    _, main, uuids = admin
    view = main.open_resident(uuids["王小明"])
    qtbot.waitUntil(lambda: bool(view.data))
    click(qtbot, view.buttons["status"])
    dialog = main.dialogs["status"]
    dialog.status.setCurrentIndex(dialog.status.findData("moved"))
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    click(qtbot, ok)
    qtbot.waitUntil(lambda: "原因" in dialog.message.text(), timeout=5000)
    assert "reason" not in dialog.message.text()
    screenshot(dialog, "73-status-refused")
    type_text(qtbot, dialog.reason, "迁往县城")
    click(qtbot, ok)
    qtbot.waitUntil(lambda: "迁出" in view.header.text(), timeout=5000)
    assert not view.buttons["htn_followup"].isEnabled()


def test_village_booklets_progress_and_cancel(qtbot, admin, monkeypatch):
    _, main, _ = admin
    main.residents.village.setCurrentText("001")
    main.print_village_booklets()
    qtbot.waitUntil(lambda: "preview" in main.dialogs, timeout=30000)
    assert main.dialogs["preview"].pdf.page_count() > 3
    main.dialogs["preview"].close()
    # cancelled straight away: no preview, the worker is free again
    del main.dialogs["preview"]
    from ui import print_jobs

    real, gate = print_jobs.village_booklets_pdf, threading.Event()

    def held(store, state, village):  # the real job, started only once cancel was pressed
        gate.wait(10)
        return real(store, state, village)

    monkeypatch.setattr(print_jobs, "village_booklets_pdf", held)
    main.print_village_booklets()
    job_dialog = main.dialogs["job"]
    click(qtbot, job_dialog.findChild(QPushButton))
    gate.set()
    qtbot.waitUntil(lambda: not tasks.worker().busy, timeout=30000)
    qtbot.wait(100)
    assert "preview" not in main.dialogs


def test_guard_catches_a_query_on_the_gui_thread(qtbot, admin):
    """The GUI-thread guard used by every test here can fail: a query run on the GUI thread
    is counted."""
    _, main, _ = admin
    guard = tasks.worker().query_hook
    before = guard.on_gui_thread
    store = tasks.worker().store
    assert threading.current_thread() is threading.main_thread()
    with store.session():  # what UI code must never do
        pass
    assert guard.on_gui_thread == before + 1
    guard.on_gui_thread = before  # undo, so the fixture's final check passes


def test_restore_from_backup_then_log_in_again(qtbot, admin):
    shell, main, _ = admin
    from app.services import residents
    from tests.ui.helpers import log_in
    from ui.backup_dialog import RestoreDialog

    main.actions_by_name["backup"].trigger()
    dialog = main.dialogs["backup"]
    click(qtbot, dialog.backup_button)
    qtbot.waitUntil(lambda: dialog.files.count() == 1, timeout=20000)
    path = dialog.folder_path / dialog.files.item(0).text()
    tasks.worker().run_sync(lambda s: residents.add(s, {"name": "备份后", "sex": "2",
                                                        "birth_date": "2001-01-01"}))  # fmt: skip
    restore = RestoreDialog(shell, path, dialog)
    restore.show()
    restore.user.setText("admin")
    restore.password.setText("wrong-pass")
    restore.submit()
    qtbot.waitUntil(lambda: shell.login_window is not None, timeout=20000)  # refused: log in again
    assert shell.main is None
    login = shell.login_window
    qtbot.addWidget(login)
    log_in(qtbot, login, *ADMIN)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=20000)
    main = shell.main
    qtbot.addWidget(main)
    assert tasks.worker().run_sync(lambda s: residents.count(s)) == 4  # nothing was replaced
    main.actions_by_name["backup"].trigger()
    dialog = main.dialogs["backup"]
    restore = RestoreDialog(shell, path, dialog)
    restore.show()
    restore.user.setText("admin")
    restore.password.setText(ADMIN[1])
    restore.submit()
    qtbot.waitUntil(lambda: shell.main is None and shell.login_window is not None, timeout=30000)
    login = shell.login_window
    qtbot.addWidget(login)
    log_in(qtbot, login, *ADMIN)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=20000)
    qtbot.addWidget(shell.main)
    assert tasks.worker().run_sync(lambda s: residents.count(s)) == 3  # as at the backup
