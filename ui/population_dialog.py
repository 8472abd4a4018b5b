"""常住人口: the resident population per village and year, entered by the administrator (the
denominators of 建档率; app/services/population.py), and the institution's live births of a year
(the maternal indicators' denominator; the setting live_births)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
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
        births = QHBoxLayout()
        births.addWidget(QLabel(tr("Population", "全机构该年活产数（孕产妇指标的分母）"), self))
        self.births = QSpinBox(self)
        self.births.setObjectName("popBirths")
        self.births.setRange(0, 1_000_000)
        births.addWidget(self.births)
        self.births_button = QPushButton(tr("Population", "保存活产数"), self)
        self.births_button.setObjectName("popBirthsSave")
        self.births_button.clicked.connect(self.save_births)
        births.addWidget(self.births_button)
        column.addLayout(births)
        self.births_saved = QLabel(self)
        self.births_saved.setObjectName("popBirthsSaved")
        column.addWidget(self.births_saved)
        self.live_births: dict[str, int] = {}
        self.year.valueChanged.connect(self._show_births)
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

        def births(store: Any) -> dict[str, int]:
            from app.services import settings

            return dict(settings.get_all(store).get("live_births") or {})

        DbOp(self, births).success(self._got_births).run()

    def _got_births(self, births: dict[str, int]) -> None:
        self.live_births = births
        self._show_births()

    def _show_births(self) -> None:
        year = str(self.year.value())
        self.births.setValue(self.live_births.get(year, 0))
        entered = ", ".join(f"{y}年 {n}" for y, n in sorted(self.live_births.items(), reverse=True))
        self.births_saved.setText(tr("Population", "已录入活产数：{0}").format(entered) if entered
                                  else tr("Population", "尚未录入活产数"))  # fmt: skip

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

    def save_births(self) -> None:
        year, count = self.year.value(), self.births.value()
        self.message.setText("")

        def put(store: Any) -> None:
            from app.services import settings

            settings.put_live_births(store, year, count)

        def done(_: Any) -> None:
            self.live_births[str(year)] = count
            self._show_births()
            self.saved.emit()

        DbOp(self, put).success(done).failure(lambda e: self.message.setText(str(e))).run()
