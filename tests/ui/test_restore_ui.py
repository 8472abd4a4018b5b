"""Restore from a real backup through the admin screen: Qt's file dialog in Chinese, then the
dialogs close, 恢复成功 is said, and the login follows while the program keeps running."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui.conftest import ADMIN
from tests.ui.event_loop import run_in_event_loop
from tests.ui.helpers import click, screenshot, start_logged_in
from ui import tasks
from ui.qt import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLibraryInfo,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTimer,
)


def visible_texts(dialog) -> list[str]:
    texts = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    texts += [b.text() for b in dialog.findChildren(QPushButton) if b.isVisible() and b.text()]
    return texts


def choose_in_file_dialog(path: Path, seen: dict) -> None:
    """When the file dialog is up: note what it says, pick `path` and press its open button."""

    def pick() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(50, pick)
            return
        seen["file_dialog"] = visible_texts(dialog)
        screenshot(dialog, "restore-file-dialog")
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))  # typed, as a user may
        QTimer.singleShot(50, lambda: press_open(dialog))

    def press_open(dialog: QFileDialog) -> None:
        button = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open)
        if not button.isEnabled():  # until the dialog has taken in the chosen file
            QTimer.singleShot(50, lambda: press_open(dialog))
            return
        button.click()

    QTimer.singleShot(50, pick)


def test_qtbase_chinese_catalogue_is_in_the_wheel():
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    assert (folder / "qtbase_zh_CN.qm").stat().st_size > 10_000


def test_restore_says_so_then_login(qtbot, qapp, guard, installation):
    from app.services import residents

    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    seen: dict = {}

    def drive() -> None:
        main.actions_by_name["backup"].trigger()
        backup = main.dialogs["backup"]
        click(qtbot, backup.backup_button)
        qtbot.waitUntil(lambda: backup.files.count() == 1, timeout=30000)
        path = backup.folder_path / backup.files.item(0).text()
        tasks.worker().run_sync(lambda s: residents.add(s, {"name": "备份后", "sex": "2",
                                                            "birth_date": "2001-01-01"}))  # fmt: skip
        choose_in_file_dialog(path, seen)
        click(qtbot, backup.findChild(QPushButton, "restore"))
        restore = backup.restore_dialog
        restore.user.setText(ADMIN[0])
        restore.password.setText(ADMIN[1])
        screenshot(restore, "restore-dialog")
        click(qtbot, restore.findChild(QPushButton, "restoreNow"))
        qtbot.waitUntil(lambda: shell.main is None and shell.login_window is not None, timeout=30000)
        qtbot.wait(200)
        login = shell.login_window
        qtbot.addWidget(login)
        seen["backup_visible"] = backup.isVisible()
        seen["restore_visible"] = restore.isVisible()
        notice = shell.notice
        seen["notice"] = (notice.isVisible(), notice.parent() is login, notice.windowTitle(),
                          notice.text())  # fmt: skip
        screenshot(login, "restore-done-login")
        screenshot(notice, "restore-done-message")
        seen["windows"] = sorted(w.objectName() or type(w).__name__
                                 for w in QApplication.topLevelWidgets() if w.isVisible())  # fmt: skip
        click(qtbot, notice.button(QMessageBox.StandardButton.Ok))

    assert run_in_event_loop(qapp, drive) == [], "the program ended after the restore"
    texts = seen["file_dialog"]
    assert texts and not [t for t in texts if re.search("[A-Za-z]{2,}", t)], texts
    assert "打开" in texts and "取消" in texts
    assert seen["backup_visible"] is False and seen["restore_visible"] is False
    shown, on_login, title, text = seen["notice"]
    assert shown and on_login and title == "恢复成功"
    assert "恢复成功" in text and "重新登录" in text
    assert "login" in seen["windows"] or "LoginWindow" in seen["windows"]
    assert "mainWindow" not in seen["windows"]
    from tests.ui.helpers import log_in

    log_in(qtbot, shell.login_window, *ADMIN)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=20000)
    qtbot.addWidget(shell.main)
    assert tasks.worker().run_sync(lambda s: residents.count(s)) == 3  # as at the backup
    shell.shutdown()
