"""Mother and children in the resident view (issue 15): the child's mother (a button that opens
her record), the mother's children (double-click opens one) and 登记新生儿, which opens the
register form prefilled from her record (her household, village and address; the name
母亲姓名+之男/之女 until the baby is named). ResidentView embeds it with a few lines."""

from __future__ import annotations

from typing import Any

from ui.qt import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import SEX, age_on

MIN_MOTHER_AGE = 12  # app/services/family.py MIN_AGE_GAP: younger residents get no 登记新生儿


class FamilyPanel(QGroupBox):
    open_resident = Signal(str)
    register_newborn = Signal(dict)  # the mother (residents.full)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Family", "母亲与子女"), parent)
        self.setObjectName("familyPanel")
        self.resident: dict[str, Any] = {}
        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.mother_button = QPushButton(self)
        self.mother_button.setObjectName("openMother")
        self.mother_button.setFlat(True)
        self.mother_button.setStyleSheet("text-align: left; color: #0d47a1; text-decoration: underline;")
        self.mother_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mother_button.clicked.connect(self._open_mother)
        row.addWidget(self.mother_button)
        row.addStretch(1)
        self.newborn_button = QPushButton(tr("Family", "登记新生儿"), self)
        self.newborn_button.setObjectName("registerNewborn")
        self.newborn_button.setToolTip(tr("Family", "从母亲的档案登记孩子：默认同户，未取名时登记为“母亲姓名+之男/之女”"))
        self.newborn_button.clicked.connect(lambda: self.register_newborn.emit(dict(self.resident)))
        row.addWidget(self.newborn_button)
        column.addLayout(row)
        self.children_label = QLabel(tr("Family", "子女（双击打开）"), self)
        column.addWidget(self.children_label)
        self.children = QListWidget(self)
        self.children.setObjectName("children")
        self.children.setMaximumHeight(72)
        self.children.itemDoubleClicked.connect(self._open_child)
        column.addWidget(self.children)

    def show_links(self, resident: dict[str, Any]) -> None:
        """Fill from residents.full (its "family": mother and children)."""
        self.resident = resident
        links = resident.get("family") or {}
        mother, kids = links.get("mother"), links.get("children") or []
        if mother:
            self.mother_button.setText(tr("Family", "母亲：{0}（档案编号 {1}）").format(
                mother.get("name") or "", mother.get("record_no") or ""))
            self.mother_button.setProperty("uuid", mother["uuid"])
        self.mother_button.setVisible(bool(mother))
        age = age_on(resident.get("birth_date"))
        may_be_mother = resident.get("sex") == "2" and age is not None and age >= MIN_MOTHER_AGE
        self.newborn_button.setVisible(may_be_mother)
        self.newborn_button.setEnabled(resident.get("status") == "active")
        self.children.clear()
        for k in kids:
            a = age_on(k.get("birth_date"))
            item = QListWidgetItem(f"{k.get('name')}  {SEX.get(k.get('sex') or '', '')}  "
                                   f"{k.get('birth_date') or ''}{'' if a is None else f'（{a}岁）'}  "
                                   f"{k.get('record_no') or ''}")  # fmt: skip
            item.setData(Qt.ItemDataRole.UserRole, k["uuid"])
            self.children.addItem(item)
        self.children_label.setVisible(bool(kids))
        self.children.setVisible(bool(kids))
        self.setVisible(bool(mother or kids or may_be_mother))

    def _open_mother(self) -> None:
        uuid = self.mother_button.property("uuid")
        if uuid:
            self.open_resident.emit(str(uuid))

    def _open_child(self, item: QListWidgetItem) -> None:
        uuid = item.data(Qt.ItemDataRole.UserRole)
        if uuid:
            self.open_resident.emit(str(uuid))
