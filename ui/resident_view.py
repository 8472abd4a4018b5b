"""One resident: header with tags, household, timeline of records, due items, trend charts and
the history of changes."""

from __future__ import annotations

import datetime as dt
import html
from functools import cache
from typing import TYPE_CHECKING, Any

import forms
from app.labels import form_title
from ui import pregnancy_panel
from ui.admin_common import message_label
from ui.charts import Series, Target, TrendChart
from ui.family_panel import FamilyPanel
from ui.growth_chart import GrowthPanel
from ui.qt import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QtWidgets,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import SEX, STATUS, age_on, tag_labels
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.services.resident_screen import ResidentScreen
    from app.store import Store

FOLLOW_UP_FORMS = ("htn_followup", "dm_followup", "health_exam")
DUE_LABELS = {"htn_followup": "高血压随访", "dm_followup": "糖尿病随访", "health_exam": "年度健康体检"}


@cache
def measure_keys(code: str) -> dict[str, str]:
    """Measurement name (forms.model.MEASURES: sbp, dbp, glucose, weight) -> the key holding it
    in form `code`, as the form definition names it."""
    try:
        return forms.get_form(code).measures()
    except forms.UnknownForm:
        return {}


def load_resident(store: Store, uuid: str, opened: bool = False) -> ResidentScreen:
    """Everything the view shows, read in one trip to the DB worker."""
    from app.services import resident_screen

    return resident_screen.load(store, uuid, opened=opened)


class ResidentView(QWidget):
    open_record = Signal(dict, dict)  # resident, record
    new_record = Signal(dict, str)  # resident, form code
    edit_resident = Signal(dict)
    open_resident = Signal(str)
    show_household = Signal(str, str)  # household uuid, label
    print_card = Signal(dict)
    print_pdf = Signal(str, str)  # what ("form:<code>", "blank:<code>", "booklet"), resident uuid
    change_status = Signal(dict)
    loaded = Signal(dict)  # the resident, each time the view is filled
    unmerge = Signal(str)  # the merged duplicate to give back its own record
    register_newborn = Signal(dict)  # the mother (issue 15: ui/family_panel.py)

    def __init__(self, uuid: str, parent: QWidget | None = None, *, sensitive: bool = True) -> None:
        """`sensitive`: the user's role may see 严重精神障碍 / 肺结核 (app/roles.py); otherwise their
        forms are not offered here (the services refuse them and leave their records out)."""
        super().__init__(parent)
        self.sensitive = sensitive
        self.uuid = uuid
        self.data: ResidentScreen | None = None
        self.child_form: str | None = None  # the check sheet of a child's age (quick entry)
        self.setObjectName("residentView")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        self.header = QLabel(tr("Resident", "正在读取……"), self)
        self.header.setObjectName("residentHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.header)
        self.merged_bar = QWidget(self)
        merged_row = QHBoxLayout(self.merged_bar)
        merged_row.setContentsMargins(0, 0, 0, 0)
        self.merged_label = QLabel(self.merged_bar)
        self.merged_label.setStyleSheet("color: #8d5b00;")
        self.unmerge_button = QPushButton(tr("Resident", "撤销合并"), self.merged_bar)
        self.unmerge_button.setObjectName("unmerge")
        self.unmerge_button.clicked.connect(
            lambda: self.unmerge.emit((self.data.resident.get("redirected_from") if self.data else None) or ""))
        merged_row.addWidget(self.merged_label)
        merged_row.addWidget(self.unmerge_button)
        merged_row.addStretch(1)
        self.merged_bar.setVisible(False)
        column.addWidget(self.merged_bar)
        actions = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("edit", "修改基本信息"),
            ("htn_followup", "新增高血压随访"),
            ("dm_followup", "新增糖尿病随访"),
            ("health_exam", "新增健康体检"),
            ("child_check", "新增儿童健康检查"),  # in place of the three above for a child under 7
            ("forms", "其他表单"),
            ("card", "打印信息卡"),
            ("print_form", "打印所选表单"),
            ("booklet", "打印整本档案"),
            ("blank", "打印空白表"),
            ("status", "更改状态"),
        ):
            b = QPushButton(tr("Resident", text), self)
            b.setObjectName(f"action_{key}")
            b.clicked.connect(lambda _=False, k=key: self._action(k))
            actions.addWidget(b)
            self.buttons[key] = b
        actions.addStretch(1)
        column.addLayout(actions)
        self._build_forms_menu()
        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(split)
        lc = QVBoxLayout(left)
        lc.setContentsMargins(0, 0, 0, 0)
        due_box = QGroupBox(tr("Resident", "待办"), left)
        dl = QVBoxLayout(due_box)
        self.due = QLabel(due_box)
        self.due.setObjectName("dueItems")
        self.due.setWordWrap(True)
        dl.addWidget(self.due)
        lc.addWidget(due_box)
        records_box = QGroupBox(tr("Resident", "全部记录（双击打开）"), left)
        rl = QVBoxLayout(records_box)
        self.timeline = QTableWidget(0, 4, records_box)
        self.timeline.setObjectName("timeline")
        self.timeline.setHorizontalHeaderLabels(
            [tr("Resident", t) for t in ("日期", "表单", "摘要", "记录人")]
        )
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.timeline.setColumnWidth(0, 92)
        self.timeline.setColumnWidth(1, 190)
        self.timeline.cellDoubleClicked.connect(self._record_clicked)
        rl.addWidget(self.timeline)
        lc.addWidget(records_box, 1)
        house_box = QGroupBox(tr("Resident", "家庭（双击同户成员打开）"), left)
        hl = QVBoxLayout(house_box)
        house_row = QHBoxLayout()
        house_row.addWidget(QLabel(tr("Resident", "户名"), house_box))
        self.household_label = QLineEdit(house_box)
        self.household_label.setObjectName("householdLabel")
        self.household_label.setPlaceholderText(tr("Resident", "户主姓名加“户”，或户号、住址"))
        self.household_label.textChanged.connect(self._household_edited)
        self.household_label.returnPressed.connect(self.rename_household)
        house_row.addWidget(self.household_label, 1)
        self.rename_button = QPushButton(tr("Resident", "保存户名"), house_box)
        self.rename_button.setObjectName("renameHousehold")
        self.rename_button.clicked.connect(self.rename_household)
        house_row.addWidget(self.rename_button)
        self.head_button = QPushButton(tr("Resident", "设为户主"), house_box)
        self.head_button.setObjectName("setHead")
        self.head_button.setToolTip(tr("Resident", "把本居民设为这一户的户主（打印时用）"))
        self.head_button.clicked.connect(self.set_head)
        house_row.addWidget(self.head_button)
        self.household_button = QPushButton(tr("Resident", "在居民列表中只看这一户"), house_box)
        self.household_button.setObjectName("showHousehold")
        self.household_button.clicked.connect(self._show_household)
        house_row.addWidget(self.household_button)
        hl.addLayout(house_row)
        self.household_message = message_label(house_box)
        self.household_message.setObjectName("householdMessage")
        self.household_message.setVisible(False)
        hl.addWidget(self.household_message)
        self.household = QListWidget(house_box)
        self.household.setObjectName("household")
        self.household.setMaximumHeight(96)
        self.household.itemDoubleClicked.connect(
            lambda item: self.open_resident.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        hl.addWidget(self.household)
        lc.addWidget(house_box)
        self.family = FamilyPanel(left)  # mother and children (issue 15)
        self.family.open_resident.connect(self.open_resident)
        self.family.register_newborn.connect(self.register_newborn)
        lc.addWidget(self.family)
        right = QTabWidget(split)
        self.side_tabs = right
        charts = QWidget(right)
        cc = QVBoxLayout(charts)
        self.bp_chart = TrendChart(tr("Resident", "血压"), "mmHg", charts)
        self.glucose_chart = TrendChart(tr("Resident", "空腹血糖"), "mmol/L", charts)
        self.weight_chart = TrendChart(tr("Resident", "体重"), "kg", charts)
        cc.addWidget(self.bp_chart)
        cc.addWidget(self.glucose_chart)
        cc.addWidget(self.weight_chart)
        right.addTab(charts, tr("Resident", "趋势图"))
        self.growth = GrowthPanel(right)
        self.growth.setObjectName("growthPanel")
        self.growth_tab = right.addTab(self.growth, tr("Resident", "生长曲线"))
        right.setTabVisible(self.growth_tab, False)
        self.history = QTableWidget(0, 4, right)
        self.history.setObjectName("history")
        self.history.setHorizontalHeaderLabels(
            [tr("Resident", t) for t in ("时间", "修改人", "内容", "改了什么")]
        )
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.history.setColumnWidth(0, 140)
        right.addTab(self.history, tr("Resident", "修改历史"))
        self.pregnancy = pregnancy_panel.attach(right)
        self.pregnancy.new_record.connect(self.start_form)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([640, 560])
        column.addWidget(split, 1)
        self.reload(opened=True)

    def _build_forms_menu(self) -> None:
        """Every form of the standard, reachable from here: the visit forms open an editor, the
        basic information opens the resident's own editor, the cover and the card print."""
        from app.services import form_fit

        menu = QtWidgets.QMenu(self)
        menu.setObjectName("formsMenu")
        menu.setToolTipsVisible(True)
        self.form_actions: dict[str, Any] = {}
        entries = [("personal_info", tr("Resident", "修改"))]
        from app import roles

        entries += [(code, tr("Resident", "新增")) for code in form_fit.VISIT_FORMS
                    if self.sensitive or code not in roles.SENSITIVE_FORMS]  # fmt: skip
        entries += [("cover", tr("Resident", "打印")), ("info_card", tr("Resident", "打印"))]
        for code, verb in entries:
            action = menu.addAction(f"{verb} {form_title(code)}")
            action.setObjectName(f"form_{code}")
            action.triggered.connect(lambda _=False, c=code: self.start_form(c))
            self.form_actions[code] = action
            if code == "personal_info" or (code in form_fit.VISIT_FORMS and entries[entries.index((code, verb)) + 1][0]
                                           not in form_fit.VISIT_FORMS):  # fmt: skip
                menu.addSeparator()
        menu.aboutToShow.connect(self._mark_fitting_forms)
        self.forms_menu = menu
        self.buttons["forms"].setMenu(menu)
        self.buttons["forms"].setToolTip(tr("Resident", "全部表单：新增接诊、会诊、转诊、老年人自理能力评估，打印封面等"))

    def _mark_fitting_forms(self) -> None:
        from app.services import form_fit

        r = self.data.resident if self.data else {}
        for code in form_fit.VISIT_FORMS:
            action = self.form_actions.get(code)
            if action is None:  # not offered to this role
                continue
            why = form_fit.why_not(r, code)
            action.setText(tr("Resident", "新增 {0}").format(form_title(code))
                           + ("" if why is None else tr("Resident", "（不适用）")))  # fmt: skip
            action.setToolTip(why or form_title(code))

    def start_form(self, code: str) -> None:
        """Start `code` for this resident, whatever kind of form it is."""
        if not self.data:
            return
        r = self.data.resident
        if code == "personal_info":
            self.edit_resident.emit(r)
        elif code == "cover":
            self.print_pdf.emit("form:cover", r["uuid"])
        elif code == "info_card":
            self.print_card.emit(r)
        else:
            self.new_record.emit(r, code)

    def reload(self, opened: bool = False) -> None:
        """Read the screen again; `opened`: the user opened it (audited), not a refresh."""
        uuid = self.uuid
        DbOp(self, lambda store: load_resident(store, uuid, opened)).success(self.show_data).run()

    # --- filling the view
    def show_data(self, data: ResidentScreen) -> None:
        self.data = data
        r = data.resident
        self.uuid = r["uuid"]
        age = age_on(r.get("birth_date"))
        tags = "".join(
            f"<span style='background:#e3f2fd; color:#0d47a1'>&nbsp;{t}&nbsp;</span>&nbsp;"
            for t in tag_labels(r)
        )
        status = STATUS.get(r.get("status") or "", r.get("status") or "")
        status_html = status if r.get("status") == "active" else f"<b style='color:#c62828'>{status}</b>"
        provisional = tr("Resident", "（临时编号）") if r.get("provisional") else ""
        self.header.setText(
            "<div style='white-space:pre'>"  # keep the spaces between the items
            f"<span style='font-size:16pt; font-weight:bold'>{r.get('name') or ''}</span>"
            f"  {SEX.get(r.get('sex') or '', '')}  "
            f"{'' if age is None else f'{age}岁'}  {tags}<br>"
            f"档案编号 <b>{r.get('record_no') or ''}</b>{provisional}    "
            f"身份证 {r.get('id_number') or '—'}    电话 {r.get('phone') or '—'}    "
            f"状态 {status_html}"
            + (f"    家庭 {r.get('household_label')}" if r.get("household_label") else "")
            + (f"（户主 {head}）" if (head := (data.household_info or {}).get("head_name")) else "")
            + "</div>"
        )
        if r.get("redirected_from"):
            # Opened by the number of a duplicate merged into this record.
            self.merged_label.setText(tr("Resident", "所查档案已合并到这份档案。"))
            self.merged_bar.setVisible(True)
        else:
            self.merged_bar.setVisible(False)
        active = r.get("status") == "active"
        from app.services import form_fit

        # A child's quick entry is the check sheet of its age, not the adults' follow-ups.
        self.child_form = form_fit.child_form_for_age(r.get("birth_date"), dt.date.today())
        for key in ("htn_followup", "dm_followup", "health_exam"):
            self.buttons[key].setVisible(self.child_form is None)
        self.buttons["child_check"].setVisible(self.child_form is not None)
        if self.child_form is not None:
            title = form_title(self.child_form).removesuffix("记录表").removesuffix("服务")
            self.buttons["child_check"].setText(tr("Resident", "新增{0}").format(title))
        for key in ("htn_followup", "dm_followup", "health_exam", "child_check", "edit"):
            self.buttons[key].setEnabled(active)

        for code in (*form_fit.VISIT_FORMS, "personal_info"):
            if code in self.form_actions:
                self.form_actions[code].setEnabled(active)
        self._fill_due(data.due)
        self._fill_timeline(data.records)
        self._fill_household(data.household)
        self._fill_household_info(r, data.household_info)
        self.family.show_links(r)
        self._fill_charts(data.records)
        self._fill_growth(r, data.records)
        self._fill_history(data.history)
        pregnancy_panel.show_for(self.pregnancy, r)
        self.loaded.emit(r)

    def _fill_due(self, items: list[dict[str, Any]]) -> None:
        if not items:
            self.due.setText(tr("Resident", "暂无到期的随访或体检"))
            return
        today = dt.date.today().isoformat()
        lines = []
        for item in items:
            label = item.get("label") or DUE_LABELS.get(item["kind"], item["kind"])
            late = item.get("overdue", item["due_date"] < today)  # a window: late after its end
            colour = "#c62828" if late else "#333333"
            when = tr("Resident", "已逾期，应于 {0}") if late else tr("Resident", "应于 {0}")
            day = item["due_date"] + (f"～{item['deadline']}" if item.get("deadline") else "")
            why = f"（{html.escape(item['reason'])}）" if item.get("reason") else ""
            lines.append(f"<span style='color:{colour}'>{html.escape(label)}：{when.format(day)}"
                         f"</span><span style='color:#666666'>{why}</span>")
        self.due.setText("<br>".join(lines))

    def _fill_timeline(self, records: list[dict[str, Any]]) -> None:
        self.timeline.setRowCount(len(records))
        for row, rec in enumerate(records):
            keys = measure_keys(rec["form"])
            doc = rec.get("doc") or {}
            summary = []
            if "sbp" in keys and doc.get(keys["sbp"]) is not None:
                summary.append(f"血压 {doc.get(keys['sbp'])}/{doc.get(keys.get('dbp', ''), '')}")
            if "glucose" in keys and doc.get(keys["glucose"]) is not None:
                summary.append(f"空腹血糖 {doc[keys['glucose']]}")
            cells = (rec.get("visit_date") or rec.get("created_at", "")[:10], form_title(rec["form"]),
                     "，".join(summary), self._person(rec.get("created_by")))  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, rec["uuid"])
                self.timeline.setItem(row, col, item)

    def _fill_household(self, members: list[dict[str, Any]]) -> None:
        self.household.clear()
        head = ((self.data.household_info if self.data else None) or {}).get("head")
        for m in members:
            if m["uuid"] == self.uuid:
                continue
            age = age_on(m.get("birth_date"))
            item = QListWidgetItem(
                f"{m.get('name')}  {SEX.get(m.get('sex') or '', '')}  "
                f"{'' if age is None else f'{age}岁'}  {m.get('record_no')}"
                + (tr("Resident", "  （户主）") if m["uuid"] == head else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, m["uuid"])
            self.household.addItem(item)
        if self.household.count() == 0:
            self.household.addItem(tr("Resident", "（没有登记同户成员）"))

    def _fill_household_info(self, r: dict[str, Any], info: dict[str, Any] | None) -> None:
        has = info is not None
        self.household_label.blockSignals(True)
        self.household_label.setText(info["label"] if has else "")
        self.household_label.blockSignals(False)
        self.household_label.setEnabled(has)
        self.household_label.setToolTip("" if has else tr("Resident", "未登记家庭：请在“修改基本信息”中填写"))
        self.rename_button.setEnabled(False)
        self.head_button.setEnabled(has and info["head"] != r["uuid"] and r.get("status") != "merged")
        self.head_button.setText(tr("Resident", "本人是户主") if has and info["head"] == r["uuid"]
                                 else tr("Resident", "设为户主"))  # fmt: skip
        self.household_button.setEnabled(has)
        self.household_message.setVisible(False)

    def _household_edited(self, text: str) -> None:
        info = self.data.household_info if self.data else None
        self.rename_button.setEnabled(bool(info) and text.strip() != info["label"])

    def _household_failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.household_message.setText(user_message(exc))
        self.household_message.setVisible(True)

    def rename_household(self) -> None:
        info = self.data.household_info if self.data else None
        if not info or not self.rename_button.isEnabled():
            return
        uuid, label = info["uuid"], self.household_label.text()

        def run(store: Store) -> Any:
            from app.services import households

            return households.update(store, uuid, label=label)

        DbOp(self, run).failure(self._household_failed).run()  # the result reloads this view

    def set_head(self) -> None:
        info = self.data.household_info if self.data else None
        if not info:
            return
        uuid, me = info["uuid"], self.uuid

        def run(store: Store) -> Any:
            from app.services import households

            return households.update(store, uuid, head=me)

        DbOp(self, run).failure(self._household_failed).run()  # the result reloads this view

    def _fill_charts(self, records: list[dict[str, Any]]) -> None:
        sbp, dbp, glu, weight = (Series(tr("Resident", "收缩压"), "#c62828"),
                                 Series(tr("Resident", "舒张压"), "#1565c0"),
                                 Series(tr("Resident", "空腹血糖"), "#2e7d32"),
                                 Series(tr("Resident", "体重"), "#6a1b9a"))  # fmt: skip
        # Each form names where it keeps each measurement (forms.model.MEASURES).
        for rec in records:
            keys, doc, day = measure_keys(rec["form"]), rec.get("doc") or {}, rec.get("visit_date")
            if not day:
                continue
            for name, series in (("sbp", sbp), ("dbp", dbp), ("glucose", glu), ("weight", weight)):
                value = doc.get(keys.get(name, ""))
                if isinstance(value, int | float):
                    series.points.append((day, float(value)))
        self.bp_chart.set_data([sbp, dbp], [Target(140, "140"), Target(90, "90")])
        self.glucose_chart.set_data([glu], [Target(7.0, "7.0")])
        self.weight_chart.set_data([weight])

    def _fill_growth(self, r: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """A child (0-6 years, a little margin) gets the growth charts tab."""
        from app.services import growth

        child = growth.is_child(r.get("birth_date"))
        self.side_tabs.setTabVisible(self.growth_tab, child)
        if child:
            self.growth.set_child(r.get("sex"), growth.measurements(r.get("sex"), r.get("birth_date"),
                                                                    list(reversed(records))))  # fmt: skip

    def _person(self, login: str | None) -> str:
        """记录人 by the name staff know each other by (app.services.readable.display_names)."""
        return (self.data.names if self.data else {}).get(login or "", login or "")

    def _fill_history(self, versions: list[dict[str, str]]) -> None:
        """Rows already in words (app.services.readable.history): local time, display name,
        新建/修改/同步…, field labels and option names."""
        self.history.setRowCount(len(versions))
        for row, v in enumerate(versions):
            for col, key in enumerate(("at", "user", "action", "what")):
                item = QTableWidgetItem(v.get(key, ""))
                item.setToolTip(v.get(key, "") if key == "what" else "")  # (the column is cut)
                self.history.setItem(row, col, item)

    # --- actions
    def _show_household(self) -> None:
        r = self.data.resident if self.data else {}
        if r.get("household"):
            self.show_household.emit(r["household"], r.get("household_label") or "")

    def _record_clicked(self, row: int, _col: int) -> None:
        uuid = self.timeline.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if self.data is None:
            return
        rec = next((r for r in self.data.records if r["uuid"] == uuid), None)
        if rec:
            self.open_record.emit(self.data.resident, rec)

    def _action(self, key: str) -> None:
        if not self.data:
            return
        r = self.data.resident
        if key == "edit":
            self.edit_resident.emit(r)
        elif key == "card":
            self.print_card.emit(r)
        elif key == "status":
            self.change_status.emit(r)
        elif key == "booklet":
            self.print_pdf.emit("booklet", r["uuid"])
        elif key == "blank":  # a sheet to fill in by hand: the selected form, else what is due
            row = self.timeline.currentRow()
            item = self.timeline.item(row, 0) if row >= 0 else None
            rec = next((x for x in self.data.records if item is not None
                        and x["uuid"] == item.data(Qt.ItemDataRole.UserRole)), None)  # fmt: skip
            due = self.data.due or [{"kind": "health_exam"}]
            self.print_pdf.emit(f"blank:{rec['form'] if rec else due[0]['kind']}", r["uuid"])
        elif key == "forms":
            return  # the button opens its menu
        elif key == "print_form":
            row = self.timeline.currentRow()
            item = self.timeline.item(row, 0) if row >= 0 else None
            rec = next((x for x in self.data.records if item is not None
                        and x["uuid"] == item.data(Qt.ItemDataRole.UserRole)), None)  # fmt: skip
            self.print_pdf.emit(f"form:{rec['form'] if rec else 'personal_info'}", r["uuid"])
        elif key == "child_check":
            if self.child_form is not None:
                self.new_record.emit(r, self.child_form)
        else:
            self.new_record.emit(r, key)
