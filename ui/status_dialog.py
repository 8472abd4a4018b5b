"""Changing a resident's status: 迁出 / 死亡 / 失访, with date and reason."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label as _message
from ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
    tr,
)
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

STATUS_CHOICES = (("moved", "迁出"), ("deceased", "死亡"), ("lost", "失访"), ("active", "在册（恢复）"))


class StatusDialog(QDialog):
    """迁出 / 死亡 / 失访: a status change with its date and reason (nothing is deleted)."""


    def __init__(self, resident: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusDialog")
        self.resident = resident
        self.setWindowTitle(tr("Admin", "更改状态 — {0}").format(resident.get("name")))
        form = QFormLayout(self)
        self.setMinimumWidth(480)
        self.status = QComboBox(self)
        self.status.setObjectName("status")
        for code, label in STATUS_CHOICES:
            self.status.addItem(tr("Admin", label), code)
        self.date = QLineEdit(dt.date.today().isoformat(), self)
        self.date.setObjectName("date")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(tr("Admin", "迁往何处 / 死亡原因 / 失访情况"))
        self.message = _message(self)
        form.addRow(tr("Admin", "新状态"), self.status)
        form.addRow(tr("Admin", "日期"), self.date)
        form.addRow(tr("Admin", "原因或去向"), self.reason)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        uuid, status = self.resident["uuid"], self.status.currentData()
        date, reason = self.date.text().strip() or None, self.reason.text().strip() or None

        def run(store: Store) -> Any:
            from app.services import lifecycle

            return lifecycle.set_status(store, uuid, status, date=date, reason=reason)

        DbOp(self, run).success(lambda _r: self.accept()).failure(
            lambda e: self.message.setText(str(e))
        ).run()
