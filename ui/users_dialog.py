"""User management for administrators: add and disable users, reset a forgotten password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.labels import ROLES, USER_STATES, shown
from ui.admin_common import message_label as _message
from ui.admin_common import rotation_busy, show_rotation
from ui.new_password import NewPasswordFields
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    tr,
)
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

ROLE_ORDER = ("doctor", "nurse", "admin")  # the most common choice first


class UsersDialog(QDialog):
    """Add and disable users, reset passwords. Only administrators get here (the app refuses
    others too)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle(tr("Admin", "用户管理"))
        column = QVBoxLayout(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("users")
        self.table.setHorizontalHeaderLabels([tr("Admin", t) for t in ("用户名", "姓名", "角色", "状态")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.table)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("newName")
        self.display = QLineEdit(self)
        self.display.setObjectName("newDisplay")
        self.role = QComboBox(self)
        self.role.setObjectName("newRole")
        for code in ROLE_ORDER:
            label = ROLES[code]
            self.role.addItem(tr("Admin", label), code)
        form.addRow(tr("Admin", "用户名"), self.name)
        form.addRow(tr("Admin", "姓名"), self.display)
        form.addRow(tr("Admin", "角色"), self.role)
        self.passwords = NewPasswordFields(form, self, tr("Admin", "初始密码"))
        self.password, self.password_repeat = self.passwords.first, self.passwords.repeat
        column.addLayout(form)
        self.message = _message(self)
        column.addWidget(self.message)
        row = QHBoxLayout()
        add = QPushButton(tr("Admin", "添加用户"), self)
        add.setObjectName("addUser")
        add.clicked.connect(self.add_user)
        disable = QPushButton(tr("Admin", "停用选中的用户"), self)
        disable.setObjectName("disableUser")
        disable.clicked.connect(self.disable_user)
        reset = QPushButton(tr("Admin", "重设选中用户的密码"), self)
        reset.setObjectName("resetPassword")
        reset.clicked.connect(self.reset_password)
        close = QPushButton(tr("Admin", "关闭"), self)
        close.clicked.connect(self.accept)
        row.addWidget(add)
        row.addWidget(disable)
        row.addWidget(reset)
        row.addStretch(1)
        row.addWidget(close)
        column.addLayout(row)
        self.reset_dialog: QDialog | None = None
        self.busy: Any = None
        self.rotation_box: Any = None
        self.resize(680, 520)
        self.refresh()

    def refresh(self) -> None:
        def load(store: Store) -> list[dict[str, Any]]:
            from app.services import users

            return users.list_users(store)

        DbOp(self, load).success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.table.setRowCount(len(rows))
        for i, u in enumerate(rows):
            cells = (u["name"], shown(u["display_name"]), ROLES.get(u["role"], u["role"]),
                     USER_STATES.get(u["state"], u["state"]))  # fmt: skip
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))

    def add_user(self) -> None:
        if not self.name.text().strip():
            self._error(tr("Admin", "用户名：请填写（登录时用，例如 zhangyisheng）"))
            self.name.setFocus()
            return
        problem = self.passwords.problem()
        if problem:
            self._error(problem[0])
            problem[1].setFocus()
            return
        args = (self.name.text().strip(), self.role.currentData(), self.password.text(),
                self.display.text().strip() or None)  # fmt: skip

        def run(store: Store) -> None:
            from app.services import users

            users.add(store, *args)

        def ok(_: Any) -> None:
            self.message.setStyleSheet("color: #1b5e20;")
            self.message.setText(tr("Admin", "已添加用户 {0}").format(args[0]))
            for w in (self.name, self.display):
                w.clear()
            self.passwords.clear()
            self.refresh()

        DbOp(self, run).success(ok).failure(self._error).run()

    def disable_user(self) -> None:
        row = self._chosen_row()
        if row < 0:
            self._error(tr("Admin", "请先在表中选中一位用户"))
            return
        name = self.table.item(row, 0).text()

        def run(store: Store) -> dict[str, Any]:
            from app.services import users

            return users.disable(store, name)

        # Disabling replaces the data key (app/services/rotation.py): seconds to minutes.
        self.busy = rotation_busy(self)

        def ok(out: dict[str, Any]) -> None:
            self.busy.close()
            self.message.setStyleSheet("color: #1b5e20;")
            self.message.setText(tr("Admin", "已停用用户 {0}，数据密钥已更换").format(name))
            if out.get("stale") or out.get("recovery_code"):
                self.rotation_box = show_rotation(self, out)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.busy.close()
            self._error(exc)
            self.refresh()

        DbOp(self, run).success(ok).failure(failed).run()

    def reset_password(self) -> None:
        row = self._chosen_row()
        if row < 0:
            self._error(tr("Admin", "请先在表中选中一位用户"))
            return
        from ui.reset_password_dialog import ResetPasswordDialog

        name, display = self.table.item(row, 0).text(), self.table.item(row, 1).text()
        self.reset_dialog = ResetPasswordDialog(name, display or name, self)
        self.reset_dialog.done_for.connect(self._was_reset)
        self.reset_dialog.open()

    def _was_reset(self, display_name: str, out: dict | None = None) -> None:
        self.message.setStyleSheet("color: #1b5e20;")
        text = tr("Admin", "已为 {0} 重设密码").format(display_name)
        if out:
            text += tr("Admin", "，数据密钥已更换")
            if out.get("stale") or out.get("recovery_code"):
                self.rotation_box = show_rotation(self, out)
        self.message.setText(text)

    def _chosen_row(self) -> int:
        """The selected user's row, or -1. (Not currentRow(): the table gets a current cell as
        soon as it has focus, before anyone has chosen a user.)"""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _error(self, exc: BaseException | str) -> None:
        from ui.errors import user_message

        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(user_message(exc) if isinstance(exc, BaseException) else exc)
