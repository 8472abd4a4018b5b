"""An administrator sets a new password for a colleague who forgot theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.new_password import NewPasswordFields
from ui.qt import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget, Signal, tr
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


class ResetPasswordDialog(QDialog):
    """`done_for(display name)` fires once the new password is in force."""

    done_for = Signal(str)

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
        name, new = self.user_name, self.fields.text()

        def run(store: Store) -> None:
            from app.services import users

            users.reset_password(store, name, new)

        def ok(_: Any) -> None:
            self.fields.clear()
            self.done_for.emit(self.display_name)
            self.accept()

        DbOp(self, run).success(ok).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.message.setText(user_message(exc))
