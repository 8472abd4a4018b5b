"""Importing residents from an Excel (.xlsx) or CSV file in the window: progress with cancel, then
what happened, with every refused line and why, in Chinese (app.services.importer does the work)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import LongJob, TaskState

if TYPE_CHECKING:
    from app.store import Store

FILE_FILTER = "表格文件 (*.xlsx *.csv);;Excel (*.xlsx);;CSV (*.csv)"


def run_import(store: Store, state: TaskState, path: Path, allow_similar: bool) -> dict[str, Any]:
    """On the DB worker. Cancel stops between batches: the batches already written stay, and
    importing the same file again adds only the rest (the importer skips who is present)."""
    from app.services import importer

    def progress(done: int, total: int) -> None:
        state.set_progress(100 * done / max(total, 1), f"已处理 {done} / {total} 行")
        state.check()

    state.set_progress(0, "正在读取文件……")
    return importer.import_file(store, path, allow_similar=allow_similar, progress=progress)


class ImportDialog(QDialog):
    imported = Signal(int)  # residents added

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(tr("Import", "导入居民"))
        self.report: dict[str, Any] | None = None
        self.job: LongJob | None = None
        column = QVBoxLayout(self)
        column.addWidget(QLabel(tr("Import", "从 Excel（.xlsx）或 CSV 文件导入居民。第1行是表头：姓名、性别、"
                                             "出生日期、身份证号、本人电话等（个人基本信息表的项目名）。\n"
                                             "已登记的居民（身份证号相同，或姓名和出生日期相同）不会重复导入。"), self))  # fmt: skip
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText(tr("Import", "选择要导入的文件"))
        browse = QPushButton(tr("Import", "选择文件…"), self)
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        column.addLayout(row)
        self.allow_similar = QCheckBox(tr("Import", "与已有居民相似（姓名、出生日期相同但不是同一人）时仍然导入"), self)
        column.addWidget(self.allow_similar)
        self.message = message_label(self)
        column.addWidget(self.message)
        self.summary = QLabel(self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        column.addWidget(self.summary)
        self.problems = QTableWidget(0, 3, self)
        self.problems.setObjectName("importProblems")
        self.problems.setHorizontalHeaderLabels([tr("Import", t) for t in ("行号", "项目", "问题")])
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.problems.setColumnWidth(0, 60)
        self.problems.setColumnWidth(1, 140)
        column.addWidget(self.problems, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton(tr("Import", "开始导入"), self)
        self.start_button.setObjectName("startImport")
        self.start_button.clicked.connect(self.start)
        close = QPushButton(tr("Import", "关闭"), self)
        close.clicked.connect(self.accept)
        buttons.addWidget(self.start_button)
        buttons.addWidget(close)
        column.addLayout(buttons)
        self.resize(760, 520)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("Import", "选择要导入的文件"), "",
                                              tr("Import", FILE_FILTER))  # fmt: skip
        if name:
            self.path.setText(name)

    def start(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.message.setText(tr("Import", "请先选择要导入的文件"))
            return
        self.message.setText("")
        self.start_button.setEnabled(False)
        path, similar = Path(text), self.allow_similar.isChecked()
        self.job = LongJob(self, tr("Import", "正在导入居民……"),
                           lambda store, state: run_import(store, state, path, similar))  # fmt: skip
        self.job.success(self.show_report).failure(self._failed).run()
        if self.job.dialog is not None:  # a cancelled job reports nothing: the button comes back
            self.job.dialog.canceled.connect(lambda: self.start_button.setEnabled(True))

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.start_button.setEnabled(True)
        self.message.setText(user_message(exc))

    def show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        self.start_button.setEnabled(True)
        self.summary.setText(tr("Import", "共 {0} 行：导入 {1} 人，已登记过 {2} 人，有问题未导入 {3} 行。").format(
            report.get("rows", 0), report["imported"], report["present"], report["failed"]))  # fmt: skip
        lines: list[tuple[int, str, str]] = []
        for w in report.get("warnings") or []:
            lines.append((w["line"], w["label"], w["message"]))
        for e in report["errors"]:
            lines.append((e["line"], e["label"], e["message"]))
        for p in report["already_present"]:
            lines.append((p["line"], tr("Import", "已登记"), tr("Import", "档案编号 {0}，未重复导入").format(p["record_no"])))
        lines.sort(key=lambda x: x[0])
        self.problems.setRowCount(len(lines))
        for i, (line, label, message) in enumerate(lines):
            for col, text in enumerate((str(line), label, message)):
                self.problems.setItem(i, col, QTableWidgetItem(text))
        self.imported.emit(report["imported"])
