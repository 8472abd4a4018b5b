"""The resident view's 孕产期 tab: the current pregnancy (week today, expected date, the visits
done with their weeks, what is due and why) and the past pregnancies. It reads its own data
(app/services/pregnancies.py) and is shown for women with maternal records (tag maternal)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from app.labels import form_title
from ui.qt import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

STATES = {"pregnant": "孕期", "overdue": "已过孕42周，未记录结局", "postpartum": "产后",
          "closed": "已结束"}  # fmt: skip


def _state_line(p: dict[str, Any]) -> str:
    """The current pregnancy in one line: the week today and the expected date, or its end."""
    parts = []
    if p["state"] in ("pregnant", "overdue"):
        parts.append(f"<b>{html.escape(p['weeks_text'] or '孕周不详')}</b>")
        parts.append(f"预产期 <b>{p['edd'] or '不详'}</b>")
        if p["state"] == "overdue":
            parts.append(f"<span style='color:#c62828'>{STATES['overdue']}</span>")
    else:
        parts.append(f"<b>{STATES[p['state']]}</b>")
        if p["end"]:
            parts.append(f"{p['end']} {html.escape(p['outcome_label'] or '')}")
        if p["discharge"]:
            parts.append(f"出院 {p['discharge']}")
    if p["lmp"]:
        parts.append(f"末次月经 {p['lmp']}")
    if p["registered"]:
        weeks = f"（孕{p['first_weeks']}周）" if p["first_weeks"] is not None else ""
        parts.append(f"{p['registered']}建册{weeks}")
    else:
        parts.append("本机构无建册记录")
    parts.append(f"产前检查 {p['prenatal_visits']} 次")
    return "　".join(parts)


def _past_line(p: dict[str, Any]) -> str:
    start = f"{p['registered']}建册" if p["registered"] else (p["records"][0]["visit_date"] if p["records"] else "")
    end = f"{p['end'] or ''} {p['outcome_label'] or ''}".strip() or STATES[p["state"]]
    return f"{start} → {end}（产前检查{p['prenatal_visits']}次，记录{len(p['records'])}份）"


class PregnancyPanel(QWidget):
    new_record = Signal(str)  # the form to start, as the due item names it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pregnancyPanel")
        self.uuid: str | None = None
        self.data: dict[str, Any] | None = None
        column = QVBoxLayout(self)
        self.current = QLabel(self)
        self.current.setObjectName("pregnancyCurrent")
        self.current.setWordWrap(True)
        self.current.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.current)
        due_box = QGroupBox(tr("Pregnancy", "待做"), self)
        dl = QVBoxLayout(due_box)
        self.due = QLabel(due_box)
        self.due.setObjectName("pregnancyDue")
        self.due.setWordWrap(True)
        self.due.setTextFormat(Qt.TextFormat.RichText)
        dl.addWidget(self.due)
        row = QHBoxLayout()
        self.start = QPushButton(due_box)
        self.start.setObjectName("pregnancyStart")
        self.start.clicked.connect(self._start)
        row.addWidget(self.start)
        row.addStretch(1)
        dl.addLayout(row)
        column.addWidget(due_box)
        visits_box = QGroupBox(tr("Pregnancy", "本次妊娠的记录"), self)
        vl = QVBoxLayout(visits_box)
        self.visits = QTableWidget(0, 3, visits_box)
        self.visits.setObjectName("pregnancyVisits")
        self.visits.setHorizontalHeaderLabels([tr("Pregnancy", t) for t in ("日期", "表单", "孕周")])
        self.visits.verticalHeader().setVisible(False)
        self.visits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.visits.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.visits.setColumnWidth(0, 92)
        vl.addWidget(self.visits)
        column.addWidget(visits_box, 1)
        past_box = QGroupBox(tr("Pregnancy", "既往妊娠"), self)
        pl = QVBoxLayout(past_box)
        self.past = QLabel(past_box)
        self.past.setObjectName("pregnancyPast")
        self.past.setWordWrap(True)
        pl.addWidget(self.past)
        column.addWidget(past_box)

    def load(self, uuid: str) -> None:
        self.uuid = uuid

        def run(store: Store) -> dict[str, Any]:
            from app.services import pregnancies

            return pregnancies.of_resident(store, uuid)

        DbOp(self, run).success(self.show_data).run()

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        pregs, due = data["pregnancies"], data["due"]
        latest = pregs[0] if pregs else None
        ongoing = latest is not None and latest["state"] != "closed"
        self.current.setText(_state_line(latest) if ongoing and latest else tr("Pregnancy", "无进行中的妊娠"))
        lines = []
        for d in due:
            colour = "#c62828" if d["overdue"] else "#333333"
            lines.append(f"<span style='color:{colour}'>{html.escape(d['item'])}：{d['due_date']}起</span>"
                         f"<span style='color:#666666'>（{html.escape(d['reason'])}）</span>")  # fmt: skip
        self.due.setText("<br>".join(lines) or tr("Pregnancy", "暂无"))
        self.start.setVisible(bool(due))
        if due:
            self.start.setText(tr("Pregnancy", "新增 {0}").format(form_title(due[0]["form"])))
        records = latest["records"] if ongoing and latest else []
        self.visits.setRowCount(len(records))
        for row, r in enumerate(records):
            for col, text in enumerate((r["visit_date"], form_title(r["form"]), r["weeks"] or "")):
                self.visits.setItem(row, col, QTableWidgetItem(text))
        past = pregs[1:] if ongoing else pregs
        self.past.setText("\n".join(_past_line(p) for p in past) or tr("Pregnancy", "无"))

    def _start(self) -> None:
        if self.data and self.data["due"]:
            self.new_record.emit(self.data["due"][0]["form"])


def attach(tabs: QTabWidget) -> PregnancyPanel:
    """Add the panel as a tab of the resident view's side tabs, hidden until `show_for`."""
    panel = PregnancyPanel(tabs)
    tabs.addTab(panel, tr("Pregnancy", "孕产期"))
    tabs.setTabVisible(tabs.indexOf(panel), False)
    return panel


def show_for(panel: PregnancyPanel, resident: dict[str, Any]) -> None:
    """Show the tab (and read the pregnancies) for a woman with maternal records."""
    tabs = panel.parentWidget()
    while tabs is not None and not isinstance(tabs, QTabWidget):
        tabs = tabs.parentWidget()
    shown = "maternal" in (resident.get("tags") or [])
    if isinstance(tabs, QTabWidget):
        tabs.setTabVisible(tabs.indexOf(panel), shown)
    if shown:
        panel.load(resident["uuid"])
