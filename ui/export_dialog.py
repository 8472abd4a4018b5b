"""Exporting every resident to an Excel (.xlsx) or CSV file in the window, with progress and
cancel. The file is not encrypted: the dialog says so, and app.services.export audits it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import LongJob, TaskState

if TYPE_CHECKING:
    from app.store import Store

FORMATS = (("xlsx", "Excel 表格（.xlsx）"), ("csv", "CSV 文本（.csv，Excel 也能打开）"))


def run_export(store: Store, state: TaskState, path: Path, fmt: str) -> dict[str, Any]:
    """On the DB worker; cancel stops it and the half-written file is removed by the service."""
    from app.services import export

    def progress(done: int, total: int) -> None:
        state.set_progress(90 * done / max(total, 1), f"已读取 {done} / {total} 人")
        state.check()

    state.set_progress(0, "正在读取档案……")
    return export.export(store, path, fmt, progress=progress)


class ExportDialog(QDialog):
    exported = Signal(dict)  # what export.export returned

    def __init__(self, default_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(tr("Export", "导出居民档案"))
        self.result: dict[str, Any] | None = None
        self.job: LongJob | None = None
        self._dir = default_dir or Path.home()
        form = QFormLayout(self)
        warning = QLabel(tr("Export", "导出的文件没有加密，含有居民的个人信息：请只存到本单位的电脑或U盘，"
                                      "用完删除。每次导出都记入审计日志。"), self)  # fmt: skip
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #8d5b00;")
        form.addRow(warning)
        self.format = QComboBox(self)
        self.format.setObjectName("exportFormat")
        for code, label in FORMATS:
            self.format.addItem(tr("Export", label), code)
        self.format.currentIndexChanged.connect(self._format_changed)
        form.addRow(tr("Export", "格式"), self.format)
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setObjectName("exportPath")
        browse = QPushButton(tr("Export", "另存为…"), self)
        browse.clicked.connect(self.browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow(tr("Export", "保存到"), row)
        self.message = message_label(self)
        form.addRow(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton(tr("Export", "导出"), self)
        self.start_button.setObjectName("startExport")
        self.start_button.clicked.connect(self.start)
        cancel = QPushButton(tr("Export", "关闭"), self)
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.start_button)
        buttons.addWidget(cancel)
        form.addRow(buttons)
        self.setMinimumWidth(560)
        self._format_changed()

    def fmt(self) -> str:
        return self.format.currentData()

    def _format_changed(self) -> None:
        # A name without the resident's data in it (DESIGN: nothing personal in file names).
        name = f"居民档案导出-{dt.date.today().isoformat()}.{self.fmt()}"
        current = self.path.text().strip()
        folder = Path(current).parent if current else self._dir
        self.path.setText(str(folder / name))

    def browse(self) -> None:
        ext = self.fmt()
        name, _ = QFileDialog.getSaveFileName(self, tr("Export", "导出到"), self.path.text(),
                                              f"*.{ext}")  # fmt: skip
        if name:
            self.path.setText(name if name.lower().endswith(f".{ext}") else f"{name}.{ext}")

    def start(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.message.setText(tr("Export", "请填写保存的位置"))
            return
        self.message.setText("")
        self.start_button.setEnabled(False)
        path, fmt = Path(text), self.fmt()
        self.job = LongJob(self, tr("Export", "正在导出……"),
                           lambda store, state: run_export(store, state, path, fmt))  # fmt: skip
        self.job.success(self._done).failure(self._failed).run()
        if self.job.dialog is not None:  # a cancelled job reports nothing: the button comes back
            self.job.dialog.canceled.connect(lambda: self.start_button.setEnabled(True))

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.start_button.setEnabled(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(user_message(exc))

    def _done(self, result: dict[str, Any]) -> None:
        self.result = result
        self.start_button.setEnabled(True)
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(tr("Export", "已导出 {0} 人到 {1}。文件没有加密，请妥善保管。").format(
            result["residents"], result["path"]))  # fmt: skip
        self.exported.emit(result)
