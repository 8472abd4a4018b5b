"""The audit view for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ui.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    tr,
)
from ui.tasks import DbOp

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
