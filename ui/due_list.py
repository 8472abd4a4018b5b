"""The follow-up list: who is due or overdue and why, by the rules table (app/services/due.py,
the same items as `cunyi due`), per village and programme, printable as a round list (a PDF with
blank columns for the results), with "start the round" (save-and-next through the list)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QColor,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import SEX, age_on
from ui.tasks import DbOp, LongJob, TaskState

if TYPE_CHECKING:
    from app.store import Store

RANGES = (("week", "本周内到期及逾期"), ("month", "本月内到期及逾期"), ("today", "今天到期及逾期"),
          ("next_month", "下月底前"))  # fmt: skip
PROGRAMMES = (("", "全部项目"), ("htn", "高血压"), ("dm", "糖尿病"), ("exam", "年度健康体检"),
              ("elderly", "老年人（自理能力、中医体质辨识）"), ("maternal", "孕产妇"), ("child", "0-6岁儿童"))  # fmt: skip
# Offered only to the roles that may see them (app/roles.py sensitive_programmes, issue 16).
SENSITIVE_PROGRAMMES = (("smi", "严重精神障碍"), ("tb", "肺结核"))
HEADERS = ("村", "档案编号", "姓名", "性别", "年龄", "电话", "项目", "应随访日期", "上次", "状态", "原因")
STATE = len(HEADERS) - 2


def range_end(kind: str, today: dt.date | None = None) -> dt.date:
    t = today or dt.date.today()
    if kind == "today":
        return t
    if kind == "week":
        return t + dt.timedelta(days=6 - t.weekday())
    first_next = (t.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if kind == "month":
        return first_next - dt.timedelta(days=1)
    return (first_next.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class DueModel(QAbstractTableModel):
    """Rows formatted when shown: a township's list can hold thousands of items."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[dict[str, Any]] = []

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr("Due", HEADERS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == STATE and item["overdue"]:
            return QColor("#c62828")
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == STATE + 1:
            return item["reason"]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        r = item["resident"]
        age = age_on(r.get("birth_date"))
        state = (tr("Due", "逾期{0}天").format(item["overdue_days"]) if item["overdue"]
                 else tr("Due", "待随访"))  # fmt: skip
        cells = (r.get("village") or "", r.get("record_no") or "", r.get("name") or "",
                 SEX.get(r.get("sex") or "", ""), "" if age is None else str(age),
                 r.get("phone") or "", item["label"], item["due_date"],
                 item.get("last_visit") or tr("Due", "从未"), state, item["reason"])  # fmt: skip
        return cells[index.column()]


class DueList(QWidget):
    open_resident = Signal(str)
    start_round = Signal(str, list)  # form code, resident uuids in round order

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dueList")
        self.items: list[dict[str, Any]] = []
        self.stale = True
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.range = QComboBox(self)
        self.range.setObjectName("dueRange")
        for code, label in RANGES:
            self.range.addItem(tr("Due", label), code)
        self.kind = QComboBox(self)
        self.kind.setObjectName("dueKind")
        for code, label in PROGRAMMES:
            self.kind.addItem(tr("Due", label), code)
        self.sensitive = False
        self.village = QLineEdit(self)
        self.village.setObjectName("dueVillage")
        self.village.setPlaceholderText(tr("Due", "全部村"))
        self.village.setMaximumWidth(90)
        self.village.returnPressed.connect(self.refresh)
        for w in (self.range, self.kind):
            w.currentIndexChanged.connect(self.refresh)
        bar.addWidget(self.range)
        bar.addWidget(self.kind)
        bar.addWidget(QLabel(tr("Due", "村"), self))
        bar.addWidget(self.village)
        bar.addStretch(1)
        self.round_button = QPushButton(tr("Due", "按名单开始随访"), self)
        self.round_button.setObjectName("startRound")
        self.round_button.setToolTip(tr("Due", "从选中的人开始，逐个录入，保存后自动打开下一位"))
        self.round_button.clicked.connect(self._start_round)
        self.print_button = QPushButton(tr("Due", "打印随访名单"), self)
        self.print_button.setObjectName("printRound")
        self.print_button.clicked.connect(self.print_list)
        self.blanks_button = QPushButton(tr("Due", "打印空白随访表"), self)
        self.blanks_button.setObjectName("printBlanks")
        self.blanks_button.setToolTip(tr("Due", "按名单顺序每人一张只带姓名和编号的空白表，入户手填后再录入"))
        self.blanks_button.clicked.connect(self.print_blanks)
        self.blanks_preview: Any = None
        self.blanks_job: Any = None
        self.preview: Any = None
        self.print_job: Any = None
        bar.addWidget(self.round_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.blanks_button)
        column.addLayout(bar)
        self.model = DueModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("dueTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((36, 130, 64, 36, 36, 100, 150, 84, 84, 70)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        column.addWidget(self.table, 1)
        self.count = QLabel(self)
        self.count.setObjectName("dueCount")
        column.addWidget(self.count)

    def set_sensitive(self, allowed: bool) -> None:
        """Offer the 严重精神障碍 / 肺结核 programmes or not (the services leave them out the same)."""
        if allowed == self.sensitive:
            return
        self.sensitive = allowed
        self.kind.blockSignals(True)
        try:
            for code, label in SENSITIVE_PROGRAMMES:
                index = self.kind.findData(code)
                if allowed and index < 0:
                    self.kind.addItem(tr("Due", label), code)
                elif not allowed and index >= 0:
                    self.kind.removeItem(index)
        finally:
            self.kind.blockSignals(False)
        self.stale = True

    def refresh(self) -> None:
        until = range_end(self.range.currentData()).isoformat()
        village = self.village.text().strip() or None
        programme = self.kind.currentData() or None

        def load(store: Store) -> list[dict[str, Any]]:
            from app.services import due

            return due.list_due(store, until=until, village=village, programme=programme)

        DbOp(self, load).latest_only(f"due-{id(self)}").success(self._show).run()

    def _show(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.stale = False
        self.model.set_items(items)
        overdue = sum(1 for i in items if i["overdue"])
        self.count.setText(tr("Due", "共 {0} 项，其中逾期 {1} 项").format(len(items), overdue))

    def _open(self, row: int) -> None:
        self.open_resident.emit(self.items[row]["resident"]["uuid"])

    def _start_round(self) -> None:
        """The round is the listed residents with the selected row's item, in list order."""
        if not self.items:
            return
        row = max(self.table.currentIndex().row(), 0)
        kind = self.items[row]["kind"]
        uuids = [i["resident"]["uuid"] for i in self.items[row:] if i["kind"] == kind]
        self.start_round.emit(kind, uuids)

    # --- the round pack: blank sheets to fill in by hand on the home visits
    def blank_items(self) -> list[tuple[str, str]]:
        """(form, resident uuid) in list order, each once: one sheet per resident for a list of
        one kind; a resident listed for two (高血压 and 糖尿病) gets both sheets."""
        seen: set[tuple[str, str]] = set()
        out = []
        for item in self.items:
            key = (item["kind"], item["resident"]["uuid"])
            if key not in seen:
                seen.add(key)
                out.append(key)
        return out

    def print_blanks(self) -> None:
        items = self.blank_items()
        if not items:
            return

        def make(store: Store, state: Any) -> bytes:
            import io

            from app.services import printing

            def progress(done: int, total: int | None) -> None:
                state.set_progress(100 * done / max(total or 1, 1),
                                   tr("Due", "已完成 {0} / {1} 张").format(done, total))  # fmt: skip

            out = io.BytesIO()
            # audited there, like every print
            printing.print_blanks(store, items, out, progress=progress, cancelled=state.is_cancelled)
            state.check()
            return out.getvalue()

        def shown(pdf: bytes) -> None:
            from ui.preview import show_preview

            title = tr("Due", "空白随访表（{0} 人）").format(len({u for _f, u in items}))
            self.blanks_preview = show_preview(self, pdf, title)

        self.blanks_job = LongJob(self, tr("Due", "正在生成空白随访表……"), make).success(shown).run()

    # --- the printed round list
    def print_list(self) -> None:
        """The listed items as a PDF round list (forms/pdf/round_list.py), shown to print."""
        items = list(self.items)
        if not items:
            return

        def make(store: Store, state: TaskState) -> bytes:
            import io

            from app.services import round_list

            out = io.BytesIO()
            round_list.print_round_list(store, items, out)  # audited there
            state.check()
            return out.getvalue()

        def shown(pdf: bytes) -> None:
            from ui.preview import show_preview

            self.preview = show_preview(self, pdf, tr("Due", "随访名单（{0} 项）").format(len(items)))

        self.print_job = LongJob(self, tr("Due", "正在生成随访名单……"), make).success(shown).run()
