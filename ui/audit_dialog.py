"""The audit view for administrators: who did what, when, to whom, in words (no codes)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from app.store import Store


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
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(3, 220)
        column.addWidget(self.table, 1)
        self.resize(900, 600)
        self.refresh()

    def refresh(self) -> None:
        since = self.since.text().strip() or None

        def load(store: Store) -> list[dict[str, str]]:
            from app import roles
            from app.services import readable

            roles.require(store, "audit_log")
            return readable.audit_rows(store, since=since)

        DbOp(self, load).success(self._show).run()

    def _show(self, rows: list[dict[str, str]]) -> None:
        """Rows already in words (app.services.readable.audit_rows), newest first."""
        self.table.setRowCount(len(rows))
        for i, e in enumerate(rows):
            for col, key in enumerate(("at", "user", "action", "subject", "detail")):
                item = QTableWidgetItem(e.get(key, ""))
                item.setToolTip(e.get(key, "") if key in ("subject", "detail") else "")
                self.table.setItem(i, col, item)
