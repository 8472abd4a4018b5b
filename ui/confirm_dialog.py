"""The question asked before saving an unusual record: its reasons, 仍然保存 or 返回修改."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ui.qt import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget, tr


class ConfirmDialog(QDialog):
    """Lists each warning (app.services.record_warnings.RecordWarning: label + reason).
    Accepted = 仍然保存; rejected (the default, also Esc) = 返回修改, nothing saved."""

    def __init__(self, warnings: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(tr("Confirm", "保存前请确认"))
        self.setMinimumWidth(520)
        self.warnings = list(warnings)
        column = QVBoxLayout(self)
        intro = QLabel(tr("Confirm", "这份记录有以下不寻常之处，请核对："), self)
        column.addWidget(intro)
        items = "".join(
            f"<li style='margin-bottom:6px'><b>{escape(w.label)}</b>：{escape(w.reason)}</li>"
            for w in self.warnings
        )
        self.reasons = QLabel(f"<ul style='margin-left:-20px'>{items}</ul>", self)
        self.reasons.setObjectName("confirmReasons")
        self.reasons.setWordWrap(True)
        column.addWidget(self.reasons)
        column.addWidget(QLabel(tr("Confirm", "核对无误可以仍然保存；否则返回修改。"), self))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton(tr("Confirm", "仍然保存"), self)
        self.save_button.setObjectName("confirmSave")
        self.back_button = QPushButton(tr("Confirm", "返回修改"), self)
        self.back_button.setObjectName("confirmBack")
        # Enter must not save by accident: going back is the default.
        self.back_button.setDefault(True)
        self.save_button.setAutoDefault(False)
        for b in (self.save_button, self.back_button):
            b.setMinimumHeight(32)
            buttons.addWidget(b)
        column.addLayout(buttons)
        self.save_button.clicked.connect(self.accept)
        self.back_button.clicked.connect(self.reject)

    def text(self) -> str:
        """What the dialog says, as plain text (tests and screen readers)."""
        return "\n".join(str(w) for w in self.warnings)
