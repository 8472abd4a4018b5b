"""An administrator sets a new password for a colleague who forgot theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label, rotation_busy
from ui.new_password import NewPasswordFields
from ui.qt import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget, Signal, tr
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


class ResetPasswordDialog(QDialog):
    """`done_for(display name, what a key change did or None)` fires once the new password is in
    force."""

    done_for = Signal(str, object)

    def __init__(self, name: str, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(tr("Admin", "重设密码"))
        self.user_name, self.display_name = name, display_name
        form = QFormLayout(self)
        who = QLabel(tr("Admin", "为 {0}（登录名 {1}）设置新密码。原密码立即失效；请把新密码当面告诉本人，"
                        "并请本人登录后在“修改我的密码”中换成只有自己知道的密码。").format(display_name, name),
                     self)  # fmt: skip
        who.setWordWrap(True)
        form.addRow(who)
        self.fields = NewPasswordFields(form, self)
        self.compromised = QCheckBox(tr("Admin", "原密码可能已被别人知道（同时更换数据密钥）"), self)
        self.compromised.setObjectName("compromised")
        form.addRow(self.compromised)
        note = QLabel(tr("Admin", "勾选后，旧密码加上旧密钥文件的副本也打不开数据；数据多时需要几分钟。"), self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        form.addRow(note)
        self.busy: Any = None
        self.message = message_label(self)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(460, 220)

    def submit(self) -> None:
        problem = self.fields.problem()
        if problem:
            self.message.setText(problem[0])
            problem[1].setFocus()
            return
        name, new, compromised = self.user_name, self.fields.text(), self.compromised.isChecked()

        def run(store: Store) -> dict[str, Any] | None:
            from app.services import users

            return users.reset_password(store, name, new, compromised=compromised)

        if compromised:
            self.busy = rotation_busy(self)

        def ok(out: dict[str, Any] | None) -> None:
            if self.busy is not None:
                self.busy.close()
            self.fields.clear()
            self.done_for.emit(self.display_name, out)
            self.accept()

        DbOp(self, run).success(ok).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        if self.busy is not None:
            self.busy.close()
        self.message.setText(user_message(exc))
