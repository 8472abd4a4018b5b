"""Registering a resident (the personal_info form): the ID number fills sex and birth date, and a
possible duplicate is shown before saving, with a way to open it instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.services.results import Created
from forms import idnumber
from ui.qt import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.record_editor import EditArea
from ui.resident_model import SEX
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

AUTO_KEYS = ("sex", "birth_date")


class DuplicatePanel(QFrame):
    """Residents who may be the same person, each with an "open" button."""

    open_resident = Signal(str)
    register_anyway = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates")
        self.setStyleSheet("#duplicates { background: #fff8e1; border: 1px solid #f9a825; }")
        self.rows = QVBoxLayout(self)
        self.setVisible(False)

    def show_residents(self, residents: list[dict[str, Any]], text: str, allow_anyway: bool):
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        head = QLabel(text, self)
        head.setWordWrap(True)
        head.setStyleSheet("font-weight: bold; color: #8d5b00;")
        self.rows.addWidget(head)
        for r in residents[:5]:
            line = QHBoxLayout()
            info = " ".join(
                x
                for x in (
                    r.get("name") or "",
                    SEX.get(r.get("sex") or "", ""),
                    r.get("birth_date") or "",
                    r.get("id_number") or "",
                    tr("Register", "档案编号 {0}").format(r.get("record_no") or ""),
                )
                if x
            )
            label = QLabel(info, self)
            button = QPushButton(tr("Register", "打开这份档案"), self)
            button.setObjectName(f"openDuplicate_{r['uuid']}")
            button.clicked.connect(lambda _=False, u=r["uuid"]: self.open_resident.emit(u))
            line.addWidget(label, 1)
            line.addWidget(button)
            holder = QWidget(self)
            holder.setLayout(line)
            self.rows.addWidget(holder)
        if allow_anyway:
            anyway = QPushButton(tr("Register", "确认不是同一人，仍然登记"), self)
            anyway.setObjectName("registerAnyway")
            anyway.clicked.connect(self.register_anyway)
            self.rows.addWidget(anyway, 0, Qt.AlignmentFlag.AlignLeft)
        self.setVisible(True)


class RegisterEditor(EditArea):
    """personal_info for a new resident (or a correction of an existing one)."""

    open_resident = Signal(str)
    registered = Signal(str)  # uuid of the new resident

    def __init__(self, resident: dict[str, Any] | None = None, *, default_village: str = "",
                 newborn_of: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:  # fmt: skip
        """`newborn_of`: the mother (residents.full) when a newborn is registered from her record
        (issue 15): linked to her, in her household unless another is typed, no ID number
        needed, and named 母亲姓名+之男/之女 while no name is typed."""
        self.newborn_of = newborn_of
        self._auto_name: str | None = None
        self.allow_similar = False
        self._on_file_number: str | None = None  # the number the duplicate warning is about
        self.new_uuid: str | None = None
        self._auto: dict[str, Any] = {}
        self._default_village = default_village
        record = None
        if resident:  # editing: the document lives on the resident itself
            record = {"uuid": resident["uuid"], "doc": resident.get("doc") or {},
                      "edition": resident.get("edition")}  # fmt: skip
        super().__init__("personal_info", resident, record, parent=parent)
        self.setObjectName("register")
        box = QFormLayout()
        if newborn_of:
            self.newborn_note = QLabel(tr("Register", "登记新生儿：母亲 {0}（档案编号 {1}）。无需身份证号；"
                                                      "未取名的先登记为“{0}之男/之女”，取名后在“修改基本信息”中改名，"
                                                      "原名仍可搜索。").format(
                newborn_of.get("name") or "", newborn_of.get("record_no") or ""), self)  # fmt: skip
            self.newborn_note.setObjectName("newbornNote")
            self.newborn_note.setWordWrap(True)
            self.newborn_note.setStyleSheet("background: #e8f5e9; padding: 4px;")
            box.addRow(self.newborn_note)
        self.village = QLineEdit(self)
        self.village.setObjectName("village")
        self.village.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,3}"), self))
        self.village.setMaximumWidth(80)
        self.village.setText((resident or {}).get("village") or default_village)
        self.household = QLineEdit(self)
        self.household.setObjectName("household")
        self.household.setPlaceholderText(tr("Register", "户号或住址，同户的人填一样的"))
        self.household.setText((resident or {}).get("household_label") or "")
        if newborn_of and newborn_of.get("household_label"):
            self.household.setPlaceholderText(
                tr("Register", "不填则与母亲同户（{0}）").format(newborn_of["household_label"]))
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Register", "所属村（3位代码）"), self))
        row.addWidget(self.village)
        row.addSpacing(20)
        row.addWidget(QLabel(tr("Register", "家庭"), self))
        row.addWidget(self.household, 1)
        box.addRow(row)
        self._top.addLayout(box)
        self.duplicates = DuplicatePanel(self)
        self.duplicates.open_resident.connect(self.open_resident)
        self.duplicates.register_anyway.connect(self._register_anyway)
        self._top.addWidget(self.duplicates)
        id_widget = self.editor.widgets.get("id_number")
        if id_widget is not None:
            id_widget.changed.connect(self._id_typed)
        self.next_button.setVisible(False)
        if newborn_of:
            self._prefill_newborn(newborn_of)

    # --- a newborn from its mother's record
    def _prefill_newborn(self, mother: dict[str, Any]) -> None:
        w = self.editor.widgets
        if "address" in w and mother.get("address"):
            w["address"].set_value(mother["address"])
        if "sex" in w:
            w["sex"].changed.connect(self._offer_newborn_name)
        self._offer_newborn_name()

    def _offer_newborn_name(self) -> None:
        """The name 母亲姓名+之男/之女, offered while the name is empty or still the offer."""
        from app.services.family import newborn_name

        w = self.editor.widgets
        if self.newborn_of is None or "name" not in w:
            return
        current = w["name"].value()
        if current not in (None, "") and current != self._auto_name:
            return  # typed by the doctor: never overwritten
        sex = w["sex"].value() if "sex" in w else None
        name = newborn_name(self.newborn_of.get("name") or "", sex if sex in ("1", "2") else None)
        if name.endswith("之子"):  # sex not chosen yet: nothing to offer
            return
        w["name"].set_value(name)
        self._auto_name = name

    # --- ID number: fill sex and birth date, look for the same number already registered
    def _id_typed(self) -> None:
        raw = self.editor.widgets["id_number"].value() or ""
        raw = str(raw).strip().upper()
        if self._on_file_number and raw != self._on_file_number:
            self._on_file_number = None
            self.duplicates.setVisible(False)
        if len(raw) not in (15, 18):
            return
        try:
            info = idnumber.parse(raw)
        except idnumber.IdNumberError as e:
            self.show_banner(tr("Register", "身份证号：{0}").format(e), "error")
            return
        self.show_banner("", "info")
        for key, value in (("sex", info.sex), ("birth_date", info.birth_date)):
            widget = self.editor.widgets.get(key)
            if widget is None:
                continue
            current = widget.value()
            # Fill what is empty or was filled by an earlier number; never overwrite typing.
            if current in (None, "") or current == self._auto.get(key):
                widget.set_value(value)
                self._auto[key] = value
        if self.mode == "new":
            self._look_for_number(info.number, typed=raw)

    def _look_for_number(self, number: str, typed: str) -> None:
        def find(store: Store) -> list[dict[str, Any]]:
            from app.services import residents

            return [r for r in residents.find(store, number, limit=5) if r.get("id_number") == number]

        def found(rows: list[dict[str, Any]]) -> None:
            if rows:
                self._on_file_number = typed  # (a 15-digit number is looked up as its 18)
                self.duplicates.show_residents(
                    rows, tr("Register", "这个身份证号已经登记过："), allow_anyway=False
                )

        DbOp(self, find).latest_only(f"idcheck-{id(self)}").success(found).run()

    # --- saving
    def resident_data(self, doc: dict[str, Any]) -> dict[str, Any]:
        data = dict(doc)
        if self.village.text().strip():
            data["village"] = self.village.text().strip()
        if self.household.text().strip():
            data["household"] = self.household.text().strip()
        if self.newborn_of and self.mode == "new":
            data["mother"] = self.newborn_of["uuid"]  # the service puts the baby in her household
        return data

    def _save_new(self, doc: dict[str, Any]):  # noqa: ANN202
        data, allow = self.resident_data(doc), self.allow_similar

        def fn(store: Store) -> Any:
            from app.services import residents

            return residents.add(store, data, allow_similar=allow)

        return fn

    def _save_update(self, doc: dict[str, Any]):  # noqa: ANN202
        uuid = self.record["uuid"]
        old = dict(self.record.get("doc") or {})
        data = self.resident_data(doc)
        old.update({"village": self.resident.get("village")})
        patch = {k: v for k, v in data.items() if old.get(k) != v}
        patch.update({k: None for k in self.record.get("doc") or {} if k not in doc
                      and not self._computed(k)})  # fmt: skip

        def fn(store: Store) -> Any:
            from app.services import residents

            return residents.update(store, uuid, patch)

        return fn

    def after_save(self, result: Any) -> None:
        if self.mode == "new" and isinstance(result, Created):
            self.new_uuid = result.uuid
            self.resident = {"uuid": self.new_uuid}
            self.registered.emit(self.new_uuid or "")

    def _failed(self, exc: BaseException) -> None:
        existing = getattr(exc, "existing", None)
        if existing:
            self.saving = False
            self.save_button.setEnabled(True)
            self.show_banner(tr("Register", "可能是已登记的居民，请先核对下面的档案。"), "error")
            self.duplicates.show_residents(
                existing, tr("Register", "可能重复的档案："), allow_anyway=True
            )
            return
        super()._failed(exc)

    def _register_anyway(self) -> None:
        self.allow_similar = True
        self.duplicates.setVisible(False)
        self.save()
