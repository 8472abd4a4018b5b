"""The logged-in user's unfinished forms (drafts), to pick up where they were left."""

from __future__ import annotations

from typing import Any

from ui.qt import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_view import form_title
from ui.tasks import DbOp


def load_drafts(store: Any) -> list[dict[str, Any]]:
    """Drafts with the resident's name; the key is "form:resident:record" (see record_editor)."""
    from app.services import drafts, residents

    rows = drafts.list_mine(store)
    uuids = [r["key"].split(":")[1] for r in rows if r["key"].split(":")[1] != "new"]
    names = {s["uuid"]: s for s in residents.summaries(store, uuids)} if uuids else {}
    for r in rows:
        form, resident, record = (r["key"].split(":") + ["", "", ""])[:3]
        r.update(form=form, resident=resident, record=record,
                 name=names.get(resident, {}).get("name") or tr("Drafts", "（新登记的居民）"))  # fmt: skip
    return rows


class DraftsDialog(QDialog):
    open_draft = Signal(dict)

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
        self.resize(600, 360)
        DbOp(self, load_drafts).success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = (r["name"], form_title(r["form"]), (r["updated_at"] or "")[:16].replace("T", " "))
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))

    def _open(self, row: int) -> None:
        self.open_draft.emit(self.rows[row])
        self.accept()
