"""The health education log (健康教育活动记录表, issue 16) as its own screen: a year's activities
(voided ones too, marked with their reason), the count by kind against the yearly requirement
(the indicator health_education_activities of `cunyi stats`), add and correct in the generated
form editor, void with a reason, print the year. The clinic's own log: no resident anywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
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
from ui.record_editor import EditArea
from ui.tasks import DbOp, LongJob

FORM = "health_education"
HEADERS = ("活动时间", "活动形式", "活动主题", "活动地点", "组织者", "人数", "状态")


class ActivityEditArea(EditArea):
    """The generated editor of the form with the clinic's activity behind it instead of a
    resident's record: saving adds or corrects an activity (app/services/activities.py); drafts
    are kept like every form's."""

    def __init__(self, record: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(FORM, None, record, parent=parent)
        self.edit_button.setToolTip(tr("Activities", "更正这条活动记录（每次修改都留有历史）"))
        if (record or {}).get("status") == "voided":
            self.set_read_only(True)
            self.edit_button.setVisible(False)  # kept as it was voided
            self.show_banner(tr("Activities", "此记录已作废：{0}").format(record.get("void_reason") or ""), "error")
        if record is None:  # 填表人 is who enters it unless a draft says otherwise
            DbOp(self, lambda store: store.user.display_name or store.user.name).success(self._signer).run()

    def _set_title(self, mode: str) -> None:
        self.title.setText(f"<b style='font-size:13pt'>{self.form.title}{mode}</b>　"
                           + tr("Activities", "本机构的活动记录，不属于某位居民"))  # fmt: skip

    def initial_document(self) -> dict[str, Any]:
        if self.record:
            return dict(self.record.get("doc") or {})
        today = dt.date.today().isoformat()
        return {"visit_date": today, "filled_date": today}

    def _signer(self, name: str) -> None:
        if name and not self.editor.widgets["filled_by"].value():
            doc = self.editor.document()
            doc["filled_by"] = name
            self.editor.load(doc)

    def _save_new(self, doc: dict[str, Any]):  # noqa: ANN202 - returns a worker function
        def fn(store: Any) -> Any:
            from app.services import activities

            return activities.add(store, doc)

        return fn

    def _save_update(self, doc: dict[str, Any]):  # noqa: ANN202
        uuid = self.record["uuid"]
        old = self.record.get("doc") or {}
        patch = {k: v for k, v in doc.items() if old.get(k) != v}
        patch.update({k: None for k in old if k not in doc and not self._computed(k)})

        def fn(store: Any) -> Any:
            from app.services import activities

            return activities.update(store, uuid, patch)

        return fn


class VoidBox(QWidget):
    """Asks why an activity is voided (the reason is kept with it and printed)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("voidBox")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(tr("Activities", "作废原因"), self))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("voidReason")
        self.reason.setPlaceholderText(tr("Activities", "如：重复录入、录错了日期"))
        self.reason.setMaxLength(200)
        row.addWidget(self.reason, 1)
        self.ok = QPushButton(tr("Activities", "确认作废"), self)
        self.ok.setObjectName("voidConfirm")
        self.cancel = QPushButton(tr("Activities", "取消"), self)
        row.addWidget(self.ok)
        row.addWidget(self.cancel)
        self.cancel.clicked.connect(lambda: self.setVisible(False))


class ActivitiesScreen(QWidget):
    """A year's health education activities. `open_editor(record or None)` asks the main window
    for an editor tab."""

    open_editor = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activitiesScreen")
        self.items: list[dict[str, Any]] = []
        self.figures: list[dict[str, Any]] = []
        self.preview: Any = None
        self.job: Any = None
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("Activities", "年度"), self))
        self.year = QSpinBox(self)
        self.year.setObjectName("activitiesYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        bar.addWidget(self.year)
        self.add_button = QPushButton(tr("Activities", "新增活动"), self)
        self.add_button.setObjectName("activityAdd")
        self.open_button = QPushButton(tr("Activities", "查看/修改"), self)
        self.open_button.setObjectName("activityOpen")
        self.void_button = QPushButton(tr("Activities", "作废…"), self)
        self.void_button.setObjectName("activityVoid")
        self.print_button = QPushButton(tr("Activities", "打印本年度"), self)
        self.print_button.setObjectName("activitiesPrint")
        bar.addWidget(self.add_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.void_button)
        self.others = QCheckBox(tr("Activities", "含辖区其他机构的记录"), self)
        self.others.setObjectName("activitiesOthers")
        self.others.setToolTip(tr("Activities", "同步来的下属村卫生室的活动；年度计数只算本机构的"))
        bar.addWidget(self.others)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        column.addLayout(bar)
        self.void_box = VoidBox(self)
        self.void_box.setVisible(False)
        column.addWidget(self.void_box)
        self.message = message_label(self)
        column.addWidget(self.message)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("activitiesTable")
        self.table.setHorizontalHeaderLabels([tr("Activities", h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((100, 130, 280, 220, 160, 60)):
            self.table.setColumnWidth(col, width)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.open_row(row))
        column.addWidget(self.table, 1)
        self.summary = QLabel(self)
        self.summary.setObjectName("activitiesSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(self.summary.textFormat().RichText)
        column.addWidget(self.summary)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.others.toggled.connect(lambda _on: self.refresh())
        self.add_button.clicked.connect(lambda: self.open_editor.emit(None))
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        self.void_button.clicked.connect(self.ask_void)
        self.void_box.ok.clicked.connect(self.void_selected)
        self.void_box.reason.returnPressed.connect(self.void_selected)
        self.print_button.clicked.connect(self.print_year)

    # --- the year's list
    def refresh(self) -> None:
        year, others = self.year.value(), self.others.isChecked()
        self.message.setText("")

        def load(store: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            from app import rules
            from app.services import activities

            return (activities.list_year(store, year, others=others),
                    activities.figures(store, rules.for_store(store), year))  # fmt: skip

        DbOp(self, load).latest_only("activities").success(self._show).failure(self._failed).run()

    def _show(self, loaded: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        from forms.pdf.activities import kind_label, status_text
        from forms.registry import get_form

        self.items, self.figures = loaded
        self.table.setRowCount(len(self.items))
        for row, a in enumerate(self.items):
            doc = a["doc"]
            cells = (a["visit_date"], kind_label(get_form(a["form"], a["edition"]), doc), doc.get("topic") or "",
                     doc.get("place") or "", doc.get("organizer") or "",
                     "" if doc.get("participants") is None else str(doc["participants"]),
                     status_text(a) + ("" if a.get("own", True) else tr("Activities", "（机构 {0}）").format(a["area"])))  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                if a["status"] == "voided":
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        self.summary.setText(self._summary_html())

    def _summary_html(self) -> str:
        parts = []
        for ind in self.figures:
            cells = []
            for k in ind.get("by_kind") or ():
                need = tr("Activities", "要求 {0}{1}").format(k["required"], k["unit"]) if k["required"] \
                    else tr("Activities", "不考核")  # fmt: skip
                colour = "#555" if k["met"] is None else ("#1b5e20" if k["met"] else "#b71c1c")
                cells.append(f"<span style='color:{colour}'>{k['label']} <b>{k['count']}</b>{k['unit']}（{need}）</span>")
            head = tr("Activities", "{0}：达标 {1}/{2} 项").format(ind["name"], ind["numerator"], ind["denominator"])
            parts.append(f"<b>{head}</b>　" + "　".join(cells))
        return "<br>".join(parts)

    def selected(self) -> dict[str, Any] | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.open_editor.emit(self.items[row])
        else:
            self.message.setText(tr("Activities", "请先在列表中选中一条活动记录"))

    # --- void
    def ask_void(self) -> None:
        a = self.selected()
        if a is None:
            self.message.setText(tr("Activities", "请先在列表中选中一条活动记录"))
            return
        if a["status"] == "voided":
            self.message.setText(tr("Activities", "该记录已作废"))
            return
        self.void_box.reason.clear()
        self.void_box.setVisible(True)
        self.void_box.reason.setFocus()

    def void_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        uuid, reason = a["uuid"], self.void_box.reason.text()

        def run(store: Any) -> Any:
            from app.services import activities

            return activities.void(store, uuid, reason)

        def done(_r: Any) -> None:
            self.void_box.setVisible(False)
            self.refresh()

        DbOp(self, run).success(done).failure(self._failed).run()

    # --- print
    def print_year(self) -> None:
        year = self.year.value()

        def make(store: Any, state: Any) -> bytes:
            import io

            from app.services import activities

            out = io.BytesIO()
            activities.print_year(store, year, out)
            return out.getvalue()

        def shown(pdf: bytes) -> None:
            from ui.preview import show_preview

            self.preview = show_preview(self, pdf, tr("Activities", "{0}年度健康教育活动记录 — 打印预览").format(year))

        self.job = LongJob(self, tr("Activities", "正在生成……"), make).success(shown).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        errors = getattr(exc, "errors", None)
        self.message.setText("；".join(str(e) for e in errors) if errors else str(exc))
