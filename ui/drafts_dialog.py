"""The logged-in user's unfinished forms (drafts), to pick up where they were left."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import forms
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_view import form_title
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


def load_drafts(store: Store) -> list[dict[str, Any]]:
    """Drafts with the resident's name; the key is "form:resident:record" (see record_editor)."""
    from app.services import drafts, residents

    rows = drafts.list_mine(store)
    uuids = [r["key"].split(":")[1] for r in rows if r["key"].split(":")[1] != "new"]
    names = {s["uuid"]: s for s in residents.summaries(store, uuids)} if uuids else {}
    clinic = set(forms.institution_form_codes())  # the clinic's own log (issue 16): no resident
    for r in rows:
        form, resident, record = (r["key"].split(":") + ["", "", ""])[:3]
        name = tr("Drafts", "（本机构的活动记录）") if form in clinic else None
        r.update(form=form, resident=resident, record=record,
                 name=name or names.get(resident, {}).get("name") or tr("Drafts", "（新登记的居民）"))  # fmt: skip
    return rows


class DraftsDialog(QDialog):
    open_draft = Signal(dict)
    discarded = Signal(dict)  # a draft deleted here (its editor, if open, lets it go too)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsDialog")
        self.setWindowTitle(tr("Drafts", "我的草稿"))
        self.rows: list[dict[str, Any]] = []
        column = QVBoxLayout(self)
        column.addWidget(QLabel(tr("Drafts", "没有保存完的表单都在这里，双击继续填写。"), self))
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("drafts")
        self.table.setHorizontalHeaderLabels([tr("Drafts", t) for t in ("居民", "表单", "最后修改")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._open(row))
        column.addWidget(self.table)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(tr("Drafts", "继续填写"), self)
        self.open_button.setObjectName("openDraft")
        self.open_button.clicked.connect(lambda: self._open(self.table.currentRow()))
        self.discard_button = QPushButton(tr("Drafts", "放弃草稿"), self)
        self.discard_button.setObjectName("discardDraft")
        self.discard_button.clicked.connect(self.discard_selected)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        column.addLayout(buttons)
        self.resize(600, 360)
        self.reload()

    def reload(self) -> None:
        DbOp(self, load_drafts).success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = (r["name"], form_title(r["form"]), (r["updated_at"] or "")[:16].replace("T", " "))
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))

        if rows:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(rows))
        self.discard_button.setEnabled(bool(rows))

    def _open(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        self.open_draft.emit(self.rows[row])
        self.accept()

    def discard_selected(self) -> None:
        """Delete the selected draft for good, after asking."""
        from ui import errors

        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            return
        draft = self.rows[row]
        text = tr("Drafts", "放弃“{0}”的{1}草稿吗？没有保存的内容将被删除，不能恢复。").format(
            draft["name"], form_title(draft["form"]))  # fmt: skip
        if not errors.confirm(self, text, tr("Drafts", "放弃草稿")):
            return
        key = draft["key"]

        def drop(store: Store) -> None:
            from app.services import drafts

            drafts.discard(store, key)

        def dropped(_r: Any) -> None:
            self.discarded.emit(draft)
            self.reload()

        DbOp(self, drop).success(dropped).run()
