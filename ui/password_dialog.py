"""Changing one's own password (rewraps the data key; nothing else changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.admin_common import message_label
from ui.new_password import NewPasswordFields
from ui.qt import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget, tr
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


class PasswordDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle(tr("Password", "修改我的密码"))
        form = QFormLayout(self)
        self.old = QLineEdit(self)
        self.old.setObjectName("old")
        self.old.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(tr("Password", "原密码"), self.old)
        self.fields = NewPasswordFields(form, self)
        self.new, self.repeat = self.fields.first, self.fields.repeat
        self.message = message_label(self)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        if not self.old.text():
            self._refuse(tr("Password", "原密码：请填写"), self.old)
            return
        problem = self.fields.problem()
        if problem:
            self._refuse(*problem)
            return
        old, new = self.old.text(), self.fields.text()

        def run(store: Store) -> None:
            from app.services import users

            users.change_password(store, old, new)

        DbOp(self, run).success(lambda _: self.accept()).failure(self._failed).run()

    def _refuse(self, text: str, where: QLineEdit) -> None:
        self.message.setText(text)
        where.setFocus()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.message.setText(user_message(exc))
