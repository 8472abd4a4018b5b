"""The resident list page: one search box, filters, and the lazy table."""

from __future__ import annotations

from typing import Any

from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QObject,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import ResidentModel

SEARCH_DELAY_MS = 0  # 0: keystrokes already queued in one event-loop pass (a paste) make one search

STATUS_CHOICES = (
    ("", "在册及其他（不含已合并）"),
    ("active", "在册"),
    ("moved", "迁出"),
    ("deceased", "死亡"),
    ("lost", "失访"),
    ("merged", "已合并"),
)
TAG_CHOICES = (("", "全部人群"), ("htn", "高血压"), ("dm", "糖尿病"), ("65+", "65岁以上"),
               ("maternal", "孕产妇"), ("0-6", "0-6岁儿童"))  # fmt: skip
# Offered only to the roles that may see them (app/roles.py sensitive_programmes, issue 16).
SENSITIVE_TAG_CHOICES = (("smi", "严重精神障碍"), ("tb", "肺结核"))


class ResidentList(QWidget):
    open_resident = Signal(str)  # uuid

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ResidentModel(self)
        self.household: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("search")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(
            tr("Residents", "查找：姓名、拼音或首字母（如 zs）、身份证号（前12位或后几位）、"
                            "出生日期（如 19491231）、档案编号、电话；回车打开")
        )
        self.search_box.setMinimumWidth(420)
        self.search_box.textChanged.connect(self._typed)
        self.search_box.returnPressed.connect(self.enter_pressed)
        self.search_box.installEventFilter(self)
        bar.addWidget(self.search_box, 3)
        self.village = QComboBox(self)
        self.village.setObjectName("villageFilter")
        self.village.setEditable(True)
        self.village.lineEdit().setPlaceholderText(tr("Residents", "全部村"))
        self.village.setToolTip(tr("Residents", "按村筛选：输入村段3位代码，空白为全部村"))
        self.village.setMaximumWidth(110)
        self.village.currentTextChanged.connect(lambda *_: self._timer.start())
        self.status = QComboBox(self)
        self.status.setObjectName("statusFilter")
        for code, label in STATUS_CHOICES:
            self.status.addItem(tr("Residents", label), code)
        self.status.currentIndexChanged.connect(self.search_now)
        self.tag = QComboBox(self)
        self.tag.setObjectName("tagFilter")
        for code, label in TAG_CHOICES:
            self.tag.addItem(tr("Residents", label), code)
        self.tag.currentIndexChanged.connect(self.search_now)
        self.sensitive = False
        bar.addWidget(QLabel(tr("Residents", "村"), self))
        bar.addWidget(self.village)
        bar.addWidget(self.status)
        bar.addWidget(self.tag)
        self.household_button = QPushButton(self)
        self.household_button.setObjectName("householdFilter")
        self.household_button.setVisible(False)
        self.household_button.setToolTip(tr("Residents", "点击取消按户筛选"))
        self.household_button.clicked.connect(lambda: self.set_household(None))
        bar.addWidget(self.household_button)
        column.addLayout(bar)
        self.hint_label = QLabel(self)
        self.hint_label.setObjectName("searchHint")
        self.hint_label.setStyleSheet("color: #8d5b00; padding: 2px 4px;")
        self.hint_label.setVisible(False)
        column.addWidget(self.hint_label)
        self.table = QTableView(self)
        self.table.setObjectName("residentTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((150, 80, 50, 60, 100, 170, 110, 170, 50, 60)):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)  # Enter or double click
        self.table.installEventFilter(self)
        column.addWidget(self.table, 1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("count")
        column.addWidget(self.count_label)
        self.model.loaded.connect(self._loaded)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.setTabOrder(self.search_box, self.table)
        self._open_single: str | None = None  # Enter was pressed for this query: act on its hits


    def set_sensitive(self, allowed: bool) -> None:
        """Offer the 严重精神障碍 / 肺结核 filters or not (the services refuse them the same)."""
        if allowed == self.sensitive:
            return
        self.sensitive = allowed
        if allowed:
            for code, label in SENSITIVE_TAG_CHOICES:
                self.tag.addItem(tr("Residents", label), code)
            return
        for code, _label in SENSITIVE_TAG_CHOICES:
            index = self.tag.findData(code)
            if index >= 0:
                self.tag.removeItem(index)
    def filters(self) -> dict[str, Any]:
        return {
            "village": self.village.currentText().strip() or None,
            "status": self.status.currentData() or None,
            "tag": self.tag.currentData() or None,
            "household": self.household,
        }

    def set_villages(self, villages: list[str]) -> None:
        current = self.village.currentText()
        self.village.blockSignals(True)
        self.village.clear()
        self.village.addItem("")
        self.village.addItems(villages)
        self.village.setCurrentText(current)
        self.village.blockSignals(False)

    def set_household(self, household: str | None, label: str = "") -> None:
        self.household = household
        self.household_button.setVisible(household is not None)
        self.household_button.setText(tr("Residents", "同户：{0} ×").format(label or ""))
        self.search_now()

    def _typed(self, *_: Any) -> None:
        self._open_single = None  # typing on: an earlier Enter no longer says what to open
        text = self.search_box.text().strip()
        if len(text) == 1 and text.isascii():
            return  # one letter or digit matches a fifth of a village: wait for the next (Enter searches)
        self._timer.start()

    def search_now(self) -> None:
        self._timer.stop()
        self.model.search(self.search_box.text().strip(), self.filters())

    def enter_pressed(self) -> None:
        """Enter in the search box: one hit opens that resident at once; several put the cursor
        on the first of them (Enter again opens it). Waits for a search still under way."""
        text = self.search_box.text().strip()
        self._open_single = text
        wanted = {k: v for k, v in self.filters().items() if v}
        if self.model.query != text or self.model.filters != wanted:
            self.search_now()
        elif self.model.complete:
            self._act_on_enter(self.model.rowCount())

    def _act_on_enter(self, count: int) -> None:
        self._open_single = None
        if count == 1 and (uuid := self.model.uuid_at(0)):
            self.open_resident.emit(uuid)
        elif count > 1:
            self.table.setFocus()
            self.table.selectRow(max(self.table.currentIndex().row(), 0))

    def _loaded(self, count: int) -> None:
        from app.search import hint

        self.count_label.setText(tr("Residents", "共 {0} 人").format(count))
        said = hint(self.model.query)  # what to type when the digits are too few to search
        self.hint_label.setText(said or "")
        self.hint_label.setVisible(bool(said))
        if count and self.table.currentIndex().row() < 0:
            self.table.selectRow(0)
        if self._open_single is not None and self._open_single == self.model.query:
            self._act_on_enter(count)

    def _activated(self, index: Any) -> None:
        uuid = self.model.uuid_at(index.row())
        if uuid:
            self.open_resident.emit(uuid)

    def current_uuid(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.uuid_at(index.row()) if index.isValid() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.search_box and key == Qt.Key.Key_Down:
                self.table.setFocus()
                if self.model.rowCount():
                    self.table.selectRow(max(self.table.currentIndex().row(), 0))
                return True
            if watched is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                uuid = self.current_uuid()
                if uuid:
                    self.open_resident.emit(uuid)
                return True
        return super().eventFilter(watched, event)
