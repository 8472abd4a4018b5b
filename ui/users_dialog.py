"""User management for administrators: add and disable users."""

from __future__ import annotations

from typing import Any

from app.services.users import ROLES
from ui.admin_common import message_label as _message
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

ROLE_ORDER = ("doctor", "nurse", "admin")  # the most common choice first


class UsersDialog(QDialog):
    """Add and disable users. Only administrators get here (the app refuses others too)."""

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
        self.password = QLineEdit(self)
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(tr("Admin", "用户名"), self.name)
        form.addRow(tr("Admin", "姓名"), self.display)
        form.addRow(tr("Admin", "角色"), self.role)
        form.addRow(tr("Admin", "初始密码"), self.password)
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
        close = QPushButton(tr("Admin", "关闭"), self)
        close.clicked.connect(self.accept)
        row.addWidget(add)
        row.addWidget(disable)
        row.addStretch(1)
        row.addWidget(close)
        column.addLayout(row)
        self.resize(620, 480)
        self.refresh()

    def refresh(self) -> None:
        def load(store: Any) -> list[dict[str, Any]]:
            from app.services import users

            return users.list_users(store)

        DbOp(self, load).success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        labels = ROLES
        self.table.setRowCount(len(rows))
        for i, u in enumerate(rows):
            state = tr("Admin", "正常") if u["state"] == "active" else tr("Admin", "已停用")
            for col, text in enumerate((u["name"], u["display_name"], labels.get(u["role"], u["role"]), state)):
                self.table.setItem(i, col, QTableWidgetItem(text))

    def add_user(self) -> None:
        args = (self.name.text().strip(), self.role.currentData(), self.password.text(),
                self.display.text().strip() or None)  # fmt: skip

        def run(store: Any) -> None:
            from app.services import users

            users.add(store, *args)

        def ok(_: Any) -> None:
            self.message.setStyleSheet("color: #1b5e20;")
            self.message.setText(tr("Admin", "已添加用户 {0}").format(args[0]))
            for w in (self.name, self.display, self.password):
                w.clear()
            self.refresh()

        DbOp(self, run).success(ok).failure(self._error).run()

    def disable_user(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self._error(tr("Admin", "请先在表中选中一位用户"))
            return
        name = self.table.item(row, 0).text()

        def run(store: Any) -> None:
            from app.services import users

            users.disable(store, name)

        DbOp(self, run).success(lambda _: self.refresh()).failure(self._error).run()

    def _error(self, exc: BaseException | str) -> None:
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(str(exc))
