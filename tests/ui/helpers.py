"""Test helpers for the desktop client: typing Chinese, screenshots."""

from __future__ import annotations

import os
from pathlib import Path

from ui.qt import QApplication, QInputMethodEvent, QWidget


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type like a user: ASCII as key presses, Chinese as an input-method commit (QTest cannot
    send non-ASCII key events)."""
    widget.setFocus()
    chunk = ""
    for ch in text + "\0":
        if ch.isascii() and ch != "\0":
            if chunk:
                event = QInputMethodEvent()
                event.setCommitString(chunk)
                QApplication.sendEvent(widget, event)
                chunk = ""
            qtbot.keyClicks(widget, ch)
        elif ch != "\0":
            chunk += ch
    if chunk:
        event = QInputMethodEvent()
        event.setCommitString(chunk)
        QApplication.sendEvent(widget, event)


def screenshot(widget: QWidget, name: str) -> Path | None:
    """Save what the user sees to $CUNYI_SCREENSHOTS (DESIGN.md Testing)."""
    folder = os.environ.get("CUNYI_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder) / f"ui-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    widget.grab().save(str(path))
    return path


def click(qtbot, widget: QWidget) -> None:
    """Click like a user; check boxes and radio buttons on their box (the middle of a stretched
    one is empty space)."""
    from ui.qt import QCheckBox, QPoint, QRadioButton, Qt

    if isinstance(widget, QCheckBox | QRadioButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def log_in(qtbot, panel, user: str, password: str) -> None:
    """Pick the user and type the password like a person, then press Enter."""
    from ui.qt import Qt

    panel.user.setCurrentText(user)
    panel.password.clear()
    qtbot.keyClicks(panel.password, password)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)


def start_logged_in(qtbot, data_dir, user: str, password: str):
    """Start the client on an installation and log in; returns (shell, main window)."""
    from ui.shell import Shell

    shell = Shell(data_dir)
    window = shell.start()
    qtbot.addWidget(window)
    log_in(qtbot, window, user, password)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=15000)
    qtbot.addWidget(shell.main)
    main = shell.main
    qtbot.waitUntil(lambda: main.residents.model.rowCount() > 0, timeout=5000)
    return shell, main


def db(fn):
    """Look at the database the way the app does: on the DB worker."""
    from ui import tasks

    return tasks.worker().run_sync(fn)


def gone(main, widget) -> bool:
    """A tab's widget closed (deleted, or no longer among the tabs)."""
    from ui.qt import isValid

    return not isValid(widget) or main.tabs.indexOf(widget) < 0


def records_of(uuid, form=None):
    from app.services import records

    return db(lambda s: records.list_for(s, uuid, form))
