"""Pieces shared by the small admin dialogs."""

from __future__ import annotations

from ui.qt import QLabel, QWidget


def message_label(parent: QWidget) -> QLabel:
    """The red line under a dialog's fields where the Chinese error appears."""
    label = QLabel(parent)
    label.setObjectName("message")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c62828;")
    return label
