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
