"""活产数: live births per village and year, entered by the administrator (the denominator of
新生儿访视率 where the records cannot give it; app/services/births.py). The population dialog's
layout with its own figure."""

from __future__ import annotations

from typing import Any

from ui.population_dialog import PopulationDialog
from ui.qt import QLabel, QWidget, tr
from ui.tasks import DbOp


class BirthsDialog(PopulationDialog):
    def __init__(self, parent: QWidget | None = None, *, year: int, village: str = "") -> None:
        super().__init__(parent, year=year, village=village)
        self.setObjectName("birthsDialog")
        self.setWindowTitle(tr("Births", "年度活产数"))
        self.count.setRange(0, 1_000_000)
        for label in self.findChildren(QLabel):  # the form's row label of the figure
            if label.text() == tr("Population", "常住人口数"):
                label.setText(tr("Births", "活产数"))
        self.table.setHorizontalHeaderLabels([tr("Births", h) for h in ("年度", "村", "活产数")])

    def load(self) -> None:
        from app.services import births

        DbOp(self, births.all_entries).success(self._show_births).run()

    def _show_births(self, entries: list[dict[str, Any]]) -> None:
        self._show([{**e, "population": e["births"]} for e in entries])

    def save(self) -> None:
        village, year, count = self.village.text().strip(), self.year.value(), self.count.value()
        self.message.setText("")

        def put(store: Any) -> None:
            from app.services import births

            births.put(store, village, year, count)

        def done(_: Any) -> None:
            self.saved.emit()
            self.load()

        DbOp(self, put).success(done).failure(lambda e: self.message.setText(str(e))).run()
