"""Pieces shared by the small admin dialogs."""

from __future__ import annotations

from typing import Any

from ui.qt import QLabel, QMessageBox, QProgressDialog, Qt, QWidget, tr


def message_label(parent: QWidget) -> QLabel:
    """The red line under a dialog's fields where the Chinese error appears."""
    label = QLabel(parent)
    label.setObjectName("message")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c62828;")
    return label


def rotation_busy(parent: QWidget) -> QProgressDialog:
    """A modal busy indicator while the data key is replaced (seconds to minutes on a big
    database: the window would otherwise seem to hang)."""
    from app.services.rotation import BUSY

    busy = QProgressDialog(tr("Admin", BUSY), "", 0, 0, parent)
    busy.setObjectName("rotationBusy")
    busy.setWindowTitle(tr("Admin", "请稍候"))
    busy.setCancelButton(None)  # a rekey is one transaction: it cannot stop half-way
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(0)
    busy.show()
    return busy


def show_rotation(parent: QWidget, out: dict[str, Any]) -> QMessageBox:
    """What the key change did; the text can be selected (a new recovery code is shown once)."""
    from app.services.rotation import describe

    box = QMessageBox(QMessageBox.Icon.Information, tr("Admin", "数据密钥已更换"), describe(out),
                      QMessageBox.StandardButton.Ok, parent)  # fmt: skip
    box.setObjectName("rotationDone")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setModal(False)
    box.show()
    return box
