"""Forgotten password: a user sets a new one with the recovery code printed at set-up (the same
service as `cunyi recover`), from the login screen."""

from __future__ import annotations

from pathlib import Path

from ui.admin_common import message_label
from ui.new_password import NewPasswordFields
from ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp


def recover(data_dir: Path, code: str, user: str, new: str) -> None:
    """Runs on the DB worker. The store recover() opens is closed again: the user logs in as
    usual afterwards, which proves the new password works."""
    from app.services import users

    users.recover(data_dir, code, user, new).close()


class RecoveryDialog(QDialog):
    """`recovered(login name)` fires once the new password is in force."""

    recovered = Signal(str)

    def __init__(self, data_dir: Path, users: list[str], current: str = "",
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.data_dir = data_dir
        self.setObjectName("recoveryDialog")
        self.setWindowTitle(tr("Login", "忘记密码"))
        form = QFormLayout(self)
        note = QLabel(tr("Login", "用建档时打印的恢复代码为自己设置新密码。恢复代码一般保存在乡镇卫生院；"
                         "没有恢复代码时，请管理员在“用户管理”中为您重设密码。"), self)  # fmt: skip
        note.setWordWrap(True)
        form.addRow(note)
        self.user = QComboBox(self)
        self.user.setObjectName("recoverUser")
        self.user.addItems(users)
        if current in users:
            self.user.setCurrentText(current)
        form.addRow(tr("Login", "用户名"), self.user)
        self.code = QLineEdit(self)
        self.code.setObjectName("recoveryCode")
        self.code.setPlaceholderText(tr("Login", "恢复代码（字母和数字，短横线可不输）"))
        form.addRow(tr("Login", "恢复代码"), self.code)
        self.fields = NewPasswordFields(form, self)
        self.message = message_label(self)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.busy = False
        self.resize(480, 260)

    def submit(self) -> None:
        if self.busy:
            return
        user, code = self.user.currentText(), self.code.text().strip()
        if not user:
            self.message.setText(tr("Login", "用户名：请选择"))
            return
        if not code:
            self.message.setText(tr("Login", "恢复代码：请填写"))
            self.code.setFocus()
            return
        problem = self.fields.problem()
        if problem:
            self.message.setText(problem[0])
            problem[1].setFocus()
            return
        new, data_dir = self.fields.text(), self.data_dir
        self.busy = True
        self.message.setText(tr("Login", "正在设置……"))
        DbOp(self, lambda _s: recover(data_dir, code, user, new)).success(
            lambda _: self._done(user)
        ).failure(self._failed).run()

    def _done(self, user: str) -> None:
        self.busy = False
        self.fields.clear()
        self.recovered.emit(user)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.busy = False
        self.message.setText(user_message(exc))
        self.code.setFocus()
