"""Changing one's own password (rewraps the data key; nothing else changes)."""

from __future__ import annotations

from typing import Any

from ui.admin_common import message_label
from ui.qt import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget, tr
from ui.tasks import DbOp


class PasswordDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle(tr("Password", "修改我的密码"))
        form = QFormLayout(self)
        self.old = QLineEdit(self)
        self.new = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for name, w in (("old", self.old), ("new", self.new), ("repeat", self.repeat)):
            w.setObjectName(name)
            w.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label(self)
        form.addRow(tr("Password", "原密码"), self.old)
        form.addRow(tr("Password", "新密码（至少6个字符）"), self.new)
        form.addRow(tr("Password", "再输一次新密码"), self.repeat)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        if self.new.text() != self.repeat.text():
            self.message.setText(tr("Password", "两次输入的新密码不一样"))
            return
        old, new = self.old.text(), self.new.text()

        def run(store: Any) -> None:
            from app.services import users

            users.change_password(store, old, new)

        DbOp(self, run).success(lambda _: self.accept()).failure(
            lambda e: self.message.setText(str(e))
        ).run()
