"""The statistics screen: the appraisal indicators of a year for a village or the whole
institution (app/services/indicators.py, the same figures as `cunyi stats`). A click on a
numerator or denominator lists its residents; a double click opens one. Export to Excel, print,
and the population figures (the denominators the records cannot give)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp, LongJob, TaskState

if TYPE_CHECKING:
    from app.store import Store

HEADERS = ("指标", "分子", "分母", "率（%）", "说明")
NUM, DEN = 1, 2


class StatsScreen(QWidget):
    open_resident = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, can_edit_population: bool = False,
                 can_export: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("statsScreen")
        self.items: list[dict[str, Any]] = []
        self.shown: list[dict[str, str]] = []
        self.preview: Any = None
        self.job: Any = None
        self.population_dialog: Any = None
        self.births_dialog: Any = None
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("Stats", "年度"), self))
        self.year = QSpinBox(self)
        self.year.setObjectName("statsYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        bar.addWidget(self.year)
        bar.addWidget(QLabel(tr("Stats", "村"), self))
        self.village = QLineEdit(self)
        self.village.setObjectName("statsVillage")
        self.village.setPlaceholderText(tr("Stats", "全部村"))
        self.village.setMaximumWidth(90)
        bar.addWidget(self.village)
        self.refresh_button = QPushButton(tr("Stats", "统计"), self)
        self.refresh_button.setObjectName("statsRefresh")
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        self.population_button = QPushButton(tr("Stats", "常住人口…"), self)
        self.population_button.setObjectName("statsPopulation")
        self.population_button.setEnabled(can_edit_population)
        self.births_button = QPushButton(tr("Stats", "活产数…"), self)  # issue 15: 新生儿访视率
        self.births_button.setObjectName("statsBirths")
        self.births_button.setEnabled(can_edit_population)
        self.export_button = QPushButton(tr("Stats", "导出 Excel…"), self)
        self.export_button.setObjectName("statsExport")
        self.export_button.setEnabled(can_export)
        self.print_button = QPushButton(tr("Stats", "打印"), self)
        self.print_button.setObjectName("statsPrint")
        for b in (self.population_button, self.births_button, self.export_button, self.print_button):
            bar.addWidget(b)
        column.addLayout(bar)
        self.message = message_label(self)
        column.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableWidget(0, len(HEADERS), split)
        self.table.setObjectName("statsTable")
        self.table.setHorizontalHeaderLabels([tr("Stats", h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((200, 70, 70, 70)):
            self.table.setColumnWidth(col, width)
        self.table.cellClicked.connect(self.drill)
        lower = QWidget(split)
        lay = QVBoxLayout(lower)
        lay.setContentsMargins(0, 0, 0, 0)
        self.drill_title = QLabel(tr("Stats", "点击分子或分母的数字，列出对应的居民；双击居民打开档案"), lower)
        self.drill_title.setObjectName("statsDrillTitle")
        lay.addWidget(self.drill_title)
        self.residents = QTableWidget(0, 2, lower)
        self.residents.setObjectName("statsResidents")
        self.residents.setHorizontalHeaderLabels([tr("Stats", "档案编号"), tr("Stats", "姓名")])
        self.residents.verticalHeader().setVisible(False)
        self.residents.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.residents.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.residents.setColumnWidth(0, 160)
        self.residents.horizontalHeader().setStretchLastSection(True)
        self.residents.cellDoubleClicked.connect(lambda row, _c: self.open_resident.emit(self.shown[row]["uuid"]))
        lay.addWidget(self.residents)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([330, 270])
        column.addWidget(split, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.village.returnPressed.connect(self.refresh)
        self.export_button.clicked.connect(self.export)
        self.print_button.clicked.connect(self.print_sheet)
        self.population_button.clicked.connect(self.open_population)
        self.births_button.clicked.connect(self.open_births)

    def _query(self) -> tuple[int, str | None]:
        return self.year.value(), self.village.text().strip() or None

    def refresh(self) -> None:
        year, village = self._query()
        self.message.setText("")

        def load(store: Store) -> list[dict[str, Any]]:
            from app.services import indicators

            return indicators.stats(store, year, village, detail=True)

        DbOp(self, load).latest_only(f"stats-{id(self)}").success(self._show).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))

    def _show(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, i in enumerate(items):
            cells = (i["name"], str(i["numerator"]), "—" if i["denominator"] is None else str(i["denominator"]),
                     "—" if i["rate"] is None else f"{i['rate']:.1f}", i["note"])  # fmt: skip
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if col in (NUM, DEN, 3):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col in (NUM, DEN):
                    cell.setForeground(Qt.GlobalColor.blue)
                    cell.setToolTip(tr("Stats", "点击列出这些居民"))
                if col == 4:
                    cell.setToolTip(text)
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()
        self.residents.setRowCount(0)
        self.shown = []

    def drill(self, row: int, col: int) -> None:
        """The residents behind the clicked numerator or denominator."""
        if col not in (NUM, DEN) or row >= len(self.items):
            return
        i = self.items[row]
        if i.get("by_kind") is not None:  # the clinic's activities (issue 16): no residents behind it
            self.drill_title.setText(tr("Stats", "{0}：按活动形式计数，见“健康教育”窗口").format(i["name"]))
            self.residents.setRowCount(0)
            self.shown = []
            return
        people = i["numerator_residents"] if col == NUM else i["denominator_residents"]
        part = tr("Stats", "分子") if col == NUM else tr("Stats", "分母")
        if people is None:
            hidden = i.get("detail_hidden")
            self.drill_title.setText(tr("Stats", "{0}的{1}：{2}").format(i["name"], part, hidden) if hidden
                                     else tr("Stats", "{0}的{1}是录入的常住人口数，不对应档案").format(i["name"], part))
            self.residents.setRowCount(0)
            self.shown = []
            return
        self.shown = list(people)
        self.drill_title.setText(tr("Stats", "{0}·{1}：{2} 人（双击打开档案）").format(i["name"], part, len(people)))
        self.residents.setRowCount(len(people))
        for r, p in enumerate(people):
            self.residents.setItem(r, 0, QTableWidgetItem(p["record_no"]))
            self.residents.setItem(r, 1, QTableWidgetItem(p["name"]))

    # --- export, print, population
    def export(self, path: str | None = None) -> None:
        year, village = self._query()
        if path is None:
            name = f"指标-{year}{'-' + village if village else ''}.xlsx"
            path, _ = QFileDialog.getSaveFileName(self, tr("Stats", "导出到"), str(Path.home() / name), "*.xlsx")
            if not path:
                return
        target = Path(path if path.lower().endswith(".xlsx") else f"{path}.xlsx")

        def make(store: Store, state: TaskState) -> dict[str, Any]:
            from app.services import indicator_export

            return indicator_export.write_xlsx(store, target, year, village)

        self.job = LongJob(self, tr("Stats", "正在导出……"), make)
        self.job.success(lambda r: self.message.setText(tr("Stats", "已导出到 {0}").format(r["path"])))
        self.job.failure(self._failed).run()

    def print_sheet(self) -> None:
        year, village = self._query()

        def make(store: Store, state: TaskState) -> bytes:
            import io

            from app.services import indicators
            from forms.pdf import indicator_sheet

            items = indicators.stats(store, year, village)
            out = io.BytesIO()
            where = f"村 {village}" if village else "全部村"
            indicator_sheet.render(out, items, title=f"{year}年 基本公共卫生服务指标",
                                   subtitle=f"{store.institution.name}　{where}　打印日期 {dt.date.today().isoformat()}")  # fmt: skip
            return out.getvalue()

        def shown(pdf: bytes) -> None:
            from ui.preview import show_preview

            self.preview = show_preview(self, pdf, tr("Stats", "统计指标 — 打印预览"))

        self.job = LongJob(self, tr("Stats", "正在生成……"), make).success(shown).failure(self._failed).run()

    def open_births(self) -> None:
        from ui.births_dialog import BirthsDialog

        self.births_dialog = BirthsDialog(self, year=self.year.value(), village=self.village.text().strip())
        self.births_dialog.saved.connect(self.refresh)
        self.births_dialog.open()

    def open_population(self) -> None:
        from ui.population_dialog import PopulationDialog

        self.population_dialog = PopulationDialog(self, year=self.year.value(), village=self.village.text().strip())
        self.population_dialog.saved.connect(self.refresh)
        self.population_dialog.open()
