"""新增随访: which form to fill for this resident; the forms that fit come first (app.services.
form_fit), the others are offered behind a check box with the reason they do not fit."""

from __future__ import annotations

from typing import Any

from app.services import form_fit
from ui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import SEX, age_on, tag_labels
from ui.resident_view import form_title


class FormChooser(QDialog):
    chosen = Signal(dict, str)  # resident, form code

    def __init__(self, resident: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resident = resident
        self.setObjectName("formChooser")
        self.setWindowTitle(tr("Chooser", "新增随访 — {0}").format(resident.get("name") or ""))
        column = QVBoxLayout(self)
        age = age_on(resident.get("birth_date"))
        facts = [SEX.get(resident.get("sex") or "", ""), "" if age is None else f"{age}岁",
                 "、".join(tag_labels(resident))]  # fmt: skip
        who = QLabel(tr("Chooser", "<b>{0}</b>　{1}<br>选择要填写的表单（回车确定）：").format(
            resident.get("name") or "", "　".join(f for f in facts if f)), self)  # fmt: skip
        column.addWidget(who)
        self.list = QListWidget(self)
        self.list.setObjectName("forms")
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.currentItemChanged.connect(lambda *_: self._show_reason())
        column.addWidget(self.list, 1)
        self.reason = QLabel(self)
        self.reason.setObjectName("reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #8d5b00;")
        column.addWidget(self.reason)
        self.show_all = QCheckBox(tr("Chooser", "显示不适用于此居民的表单"), self)
        self.show_all.setObjectName("showAll")
        self.show_all.toggled.connect(self._fill)
        column.addWidget(self.show_all)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Chooser", "填写"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Chooser", "取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.setMinimumSize(460, 360)
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        for code in form_fit.offer_order(self.resident):  # a child's own forms first
            why = form_fit.why_not(self.resident, code)
            if why is not None and not self.show_all.isChecked():
                continue
            item = QListWidgetItem(form_title(code) + ("" if why is None else tr("Chooser", "（不适用）")))
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setData(Qt.ItemDataRole.UserRole + 1, why)
            if why is not None:
                item.setForeground(Qt.GlobalColor.darkGray)
                item.setToolTip(why)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.setFocus()
        self._show_reason()

    def _show_reason(self) -> None:
        """Why the selected form does not fit (saving it will ask again)."""
        item = self.list.currentItem()
        why = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        self.reason.setText(tr("Chooser", "不适用：{0}").format(why) if why else "")
        self.reason.setVisible(bool(why))

    def codes(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def current_code(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def accept(self) -> None:
        code = self.current_code()
        if code is None:
            return
        super().accept()
        self.chosen.emit(self.resident, code)
