"""常住人口: the resident population per village and year, entered by the administrator (the
denominators of 建档率; app/services/population.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
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

if TYPE_CHECKING:
    from app.store import Store


class PopulationDialog(QDialog):
    saved = Signal()

    def __init__(self, parent: QWidget | None = None, *, year: int, village: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("populationDialog")
        self.setWindowTitle(tr("Population", "常住人口数"))
        self.resize(420, 420)
        column = QVBoxLayout(self)
        form = QFormLayout()
        self.village = QLineEdit(village, self)
        self.village.setObjectName("popVillage")
        self.village.setPlaceholderText(tr("Population", "3位村（居）委会代码"))
        self.year = QSpinBox(self)
        self.year.setObjectName("popYear")
        self.year.setRange(1990, 2200)
        self.year.setValue(year)
        self.count = QSpinBox(self)
        self.count.setObjectName("popCount")
        self.count.setRange(0, 10_000_000)
        self.count.setGroupSeparatorShown(True)
        form.addRow(tr("Population", "村"), self.village)
        form.addRow(tr("Population", "年度"), self.year)
        form.addRow(tr("Population", "常住人口数"), self.count)
        column.addLayout(form)
        self.message = message_label(self)
        column.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_button = QPushButton(tr("Population", "保存"), self)
        self.save_button.setObjectName("popSave")
        self.save_button.clicked.connect(self.save)
        close = QPushButton(tr("Population", "关闭"), self)
        close.clicked.connect(self.accept)
        row.addWidget(self.save_button)
        row.addWidget(close)
        column.addLayout(row)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("popTable")
        self.table.setHorizontalHeaderLabels([tr("Population", h) for h in ("年度", "村", "常住人口数")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        column.addWidget(self.table, 1)
        self.entries: list[dict[str, Any]] = []
        self.load()

    def load(self) -> None:
        from app.services import population

        DbOp(self, population.all_entries).success(self._show).run()

    def _show(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            for c, key in enumerate(("year", "village", "population")):
                self.table.setItem(r, c, QTableWidgetItem(str(e[key])))

    def save(self) -> None:
        village, year, count = self.village.text().strip(), self.year.value(), self.count.value()
        self.message.setText("")

        def put(store: Store) -> None:
            from app.services import population

            population.put(store, village, year, count)

        def done(_: Any) -> None:
            self.message.setText("")
            self.saved.emit()
            self.load()

        DbOp(self, put).success(done).failure(lambda e: self.message.setText(str(e))).run()
