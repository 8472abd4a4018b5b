"""Merging two records of the same person: the duplicate's records move to the survivor, the
duplicate keeps a permanent redirect (and can be unmerged)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    tr,
)
from ui.resident_model import SEX
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


def describe(r: dict[str, Any]) -> str:
    return "  ".join(x for x in (r.get("name") or "", SEX.get(r.get("sex") or "", ""),
                                 r.get("birth_date") or "", r.get("id_number") or "无身份证号",
                                 r.get("record_no") or "") if x)  # fmt: skip


class Picker(QWidget):
    """Type a name, initials, ID or record number, press Enter, choose from the matches."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.query = QLineEdit(self)
        self.query.setObjectName(f"{name}Query")
        self.query.setPlaceholderText(tr("Merge", "姓名、首字母、身份证号或档案编号，回车查找"))
        self.query.returnPressed.connect(self.find)
        self.choice = QComboBox(self)
        self.choice.setObjectName(f"{name}Choice")
        self.choice.setMinimumWidth(360)
        row.addWidget(self.query, 1)
        row.addWidget(self.choice, 2)

    def find(self) -> None:
        q = self.query.text().strip()

        def run(store: Store) -> list[dict[str, Any]]:
            from app.services import residents

            return residents.find(store, q, limit=20)

        DbOp(self, run).latest_only(f"merge-{id(self)}").success(self.set_choices).run()

    def set_choices(self, rows: list[dict[str, Any]]) -> None:
        self.choice.clear()
        for r in rows:
            self.choice.addItem(describe(r), r["uuid"])

    def uuid(self) -> str | None:
        return self.choice.currentData()


class MergeDialog(QDialog):

    def __init__(self, survivor: dict[str, Any] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(tr("Merge", "合并重复档案"))
        column = QVBoxLayout(self)
        note = QLabel(tr("Merge", "同一个人建了两份档案时使用：被合并档案的全部记录转到保留的档案，"
                                  "原编号永久指向保留的档案；合并可以撤销。"), self)  # fmt: skip
        note.setWordWrap(True)
        column.addWidget(note)
        form = QFormLayout()
        self.survivor = Picker("survivor", self)
        self.duplicate = Picker("duplicate", self)
        form.addRow(tr("Merge", "保留的档案"), self.survivor)
        form.addRow(tr("Merge", "被合并的档案"), self.duplicate)
        column.addLayout(form)
        if survivor:
            self.survivor.set_choices([survivor])
        self.message = message_label(self)
        column.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.merge_button = QPushButton(tr("Merge", "合并"), self)
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.clicked.connect(self.submit)
        cancel = QPushButton(tr("Merge", "取消"), self)
        cancel.clicked.connect(self.reject)
        # Enter in a search box searches; it must never press 合并.
        for b in (self.merge_button, cancel):
            b.setAutoDefault(False)
            b.setDefault(False)
        row.addWidget(self.merge_button)
        row.addWidget(cancel)
        column.addLayout(row)
        self.resize(760, 260)

    def submit(self) -> None:
        from ui.errors import confirm

        keep, dup = self.survivor.uuid(), self.duplicate.uuid()
        if not keep or not dup:
            self.message.setText(tr("Merge", "请先查找并选定两份档案"))
            return
        if keep == dup:
            self.message.setText(tr("Merge", "保留的档案和被合并的档案不能是同一份"))
            return
        text = tr("Merge", "确定把\n{0}\n合并到\n{1}\n吗？").format(
            self.duplicate.choice.currentText(), self.survivor.choice.currentText())
        if not confirm(self, text, tr("Merge", "合并档案")):
            return

        def run(store: Store) -> Any:
            from app.services import lifecycle

            return lifecycle.merge(store, keep, dup)

        DbOp(self, run).success(lambda _r: self.accept()).failure(lambda e: self.message.setText(str(e))).run()
