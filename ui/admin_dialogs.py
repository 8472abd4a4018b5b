"""Small dialogs: status change, user management (admins), audit view (admins), settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp

ROLES = (("doctor", "医生"), ("nurse", "护士"), ("admin", "管理员"))
STATUS_CHOICES = (("moved", "迁出"), ("deceased", "死亡"), ("lost", "失访"), ("active", "在册（恢复）"))
ACTIONS = {"init": "初始化", "login": "登录", "login_failed": "登录失败", "logout": "退出",
           "view": "查看", "create": "新建", "update": "修改", "status": "更改状态",
           "merge": "合并", "unmerge": "撤销合并", "print": "打印", "export": "导出",
           "import": "导入", "backup": "备份", "restore": "恢复", "user_add": "添加用户",
           "user_disable": "停用用户", "password_change": "修改密码", "recover": "恢复代码",
           "sync": "同步", "conflict_resolve": "处理冲突", "check": "检查"}  # fmt: skip


DETAIL_KEYS = {"name": "用户", "role": "角色", "area": "区划代码", "what": "内容", "pages": "页数",
               "reason": "原因", "form": "表单", "village": "村", "auto": "自动", "keys": "设置项",
               "masked": "隐去身份证号", "bytes": "字节"}  # fmt: skip


def _label_of(key: str) -> str:
    import forms

    for code in ("personal_info", *forms.form_codes()):
        try:
            return forms.get_form(code).field(key).label
        except (KeyError, forms.UnknownForm):
            continue
    return {"village": "村", "household": "家庭", "status": "状态", "record_no": "档案编号",
            "resident": "居民", "form": "表单", "edition": "版本"}.get(key, key)  # fmt: skip


def describe_detail(detail: dict[str, Any]) -> str:
    """Audit details in words a doctor reads (field names become their Chinese labels)."""
    parts = []
    for key, value in (detail or {}).items():
        if key == "fields" and isinstance(value, list):
            parts.append("涉及：" + "、".join(_label_of(k) for k in value))
        elif key not in ("db_sha256",):
            parts.append(f"{DETAIL_KEYS.get(key, key)}：{value}")
    return "；".join(parts)


def _message(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("message")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c62828;")
    return label


class StatusDialog(QDialog):
    """迁出 / 死亡 / 失访: a status change with its date and reason (nothing is deleted)."""

    done_ok = Signal(str)

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

        def run(store: Any) -> Any:
            from app.services import lifecycle

            return lifecycle.set_status(store, uuid, status, date=date, reason=reason)

        DbOp(self, run).success(lambda _r: self._ok()).failure(
            lambda e: self.message.setText(str(e))
        ).run()

    def _ok(self) -> None:
        self.done_ok.emit(self.resident["uuid"])
        self.accept()


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
        for code, label in ROLES:
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
        labels = dict(ROLES)
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


class AuditDialog(QDialog):
    """The hash-chained audit log, newest first (who did what, when; no health data)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditDialog")
        self.setWindowTitle(tr("Admin", "审计日志"))
        column = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Admin", "起始日期"), self))
        self.since = QLineEdit((dt.date.today() - dt.timedelta(days=30)).isoformat(), self)
        self.since.setMaximumWidth(120)
        self.since.returnPressed.connect(self.refresh)
        row.addWidget(self.since)
        show = QPushButton(tr("Admin", "查询"), self)
        show.clicked.connect(self.refresh)
        row.addWidget(show)
        row.addStretch(1)
        column.addLayout(row)
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("audit")
        self.table.setHorizontalHeaderLabels([tr("Admin", t) for t in ("时间", "用户", "操作", "对象", "说明")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 150)
        column.addWidget(self.table, 1)
        self.resize(900, 600)
        self.refresh()

    def refresh(self) -> None:
        since = self.since.text().strip() or None

        def load(store: Any) -> list[dict[str, Any]]:
            from app.services import audit

            store.require_role("admin")
            return audit.entries(store, since=since)[-2000:]

        DbOp(self, load).success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        rows = list(reversed(rows))
        self.table.setRowCount(len(rows))
        for i, e in enumerate(rows):
            entity = {"resident": "居民档案", "record": "记录", "user": "用户", "setting": "设置"}.get(
                e.get("entity") or "", e.get("entity") or "")
            cells = ((e["at"] or "")[:19].replace("T", " "), e["user"], ACTIONS.get(e["action"], e["action"]),
                     entity, describe_detail(e.get("detail") or {}))  # fmt: skip
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))


class SettingsDialog(QDialog):
    """Institution name, idle lock minutes, backup folder (admins change them)."""

    saved = Signal(dict)

    def __init__(self, settings: dict[str, Any], institution: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(tr("Admin", "设置"))
        form = QFormLayout(self)
        self.institution = QLineEdit(institution, self)
        self.institution.setObjectName("institution")
        self.idle = QSpinBox(self)
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(1, 240)
        self.idle.setSuffix(tr("Admin", " 分钟"))
        self.idle.setValue(int(settings.get("idle_lock_minutes") or 10))
        self.backup_dir = QLineEdit(settings.get("backup_dir") or "", self)
        self.backup_dir.setObjectName("backupDir")
        self.backup_dir.setPlaceholderText(tr("Admin", "默认：数据目录下的 backups"))
        pick = QPushButton(tr("Admin", "选择…"), self)
        pick.clicked.connect(self._pick)
        row = QHBoxLayout()
        row.addWidget(self.backup_dir, 1)
        row.addWidget(pick)
        self.message = _message(self)
        form.addRow(tr("Admin", "机构名称"), self.institution)
        form.addRow(tr("Admin", "无操作自动锁定"), self.idle)
        form.addRow(tr("Admin", "备份文件夹"), row)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, 220)

    def _pick(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Admin", "选择备份文件夹"))
        if folder:
            self.backup_dir.setText(folder)

    def submit(self) -> None:
        values = {"idle_lock_minutes": self.idle.value(), "backup_dir": self.backup_dir.text().strip()}
        name = self.institution.text().strip()

        def run(store: Any) -> dict[str, Any]:
            from app.services import settings

            if name != store.institution.name:
                settings.rename_institution(store, name)
            settings.put(store, values)
            return settings.get_all(store)

        def ok(result: dict[str, Any]) -> None:
            self.saved.emit(result)
            self.accept()

        DbOp(self, run).success(ok).failure(lambda e: self.message.setText(str(e))).run()
