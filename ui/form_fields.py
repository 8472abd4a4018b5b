"""One entry widget per field type of a form definition (forms.model.Field)."""

from __future__ import annotations

import uuid
from typing import Any

from forms.model import CodeTable, Field
from ui.qt import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QEvent,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QObject,
    QPushButton,
    QRadioButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QSizePolicy,
    QStyledItemDelegate,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)

ERROR_STYLE = "border: 2px solid #d32f2f; border-radius: 3px; background: #fff3f3;"
RADIO_COLUMNS = 5  # radios per row before wrapping; keeps a form within 1366 px
COMBO_FROM = 13  # code tables longer than this become a drop-down list


def code_text(table: CodeTable, code: str) -> str:
    """How an option is shown: the code first, as on paper ("1 男")."""
    label = table.label(code)
    return f"{code} {label}" if label is not None else code


class FieldWidget(QWidget):
    """Common contract: value()/set_value(), `changed`, set_error(), focus_input()."""

    changed = Signal()

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setObjectName(f"field_{field.key}")

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_input(self) -> None:
        self.setFocus()

    def set_error(self, message: str | None) -> None:
        self.setStyleSheet(f"#{self.objectName()} {{{ERROR_STYLE}}}" if message else "")
        self.setToolTip(message or self.field.hint)

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


class _Frozen(QObject):
    """Eats the clicks and keys of a read-only choice."""

    EATEN = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
             QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress, QEvent.Type.KeyRelease)  # fmt: skip

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        return event.type() in self.EATEN or super().eventFilter(watched, event)


def _freeze(widget: QWidget, read_only: bool) -> None:
    """A choice that can be read but not changed: its normal colours (a disabled button is grey
    and hard to read on an old screen), no clicks, no keys, no keyboard focus."""
    frozen = widget.findChild(_Frozen, "frozen")
    if read_only and frozen is None:
        frozen = _Frozen(widget)
        frozen.setObjectName("frozen")
        widget.installEventFilter(frozen)
    elif not read_only and frozen is not None:
        widget.removeEventFilter(frozen)
        frozen.deleteLater()
        frozen.setObjectName("")
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus if read_only else Qt.FocusPolicy.StrongFocus)


class LineField(FieldWidget):
    """text, int, decimal and date fields: a line edit with the unit after it."""

    _PATTERNS = {
        "int": r"-?\d{0,6}",
        "decimal": r"-?\d{0,6}([.]\d{0,3})?",
        "date": r"\d{0,4}(-\d{0,2}(-\d{0,2})?)?",
    }

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"input_{field.key}")
        if field.type in self._PATTERNS:
            rx = QRegularExpression(self._PATTERNS[field.type])
            self.edit.setValidator(QRegularExpressionValidator(rx, self.edit))
        if field.type == "date":
            self.edit.setPlaceholderText(tr("Form", "年-月-日，如 2024-03-15"))
            self.edit.setMaximumWidth(190)
            self.edit.setMinimumWidth(150)
        elif field.type in ("int", "decimal"):
            self.edit.setMaximumWidth(110)
        else:
            self.edit.setMinimumWidth(280)
            self.edit.setMaximumWidth(520)
        if field.max_length:
            self.edit.setMaxLength(field.max_length)
        if field.computed:
            self.edit.setReadOnly(True)
            self.edit.setFocusPolicy(self.edit.focusPolicy().NoFocus)
            self.edit.setStyleSheet("background: #f1f4f8;")
            self.edit.setPlaceholderText(tr("Form", "自动计算"))
        self.edit.setToolTip(field.hint)
        self.edit.textChanged.connect(self.changed)
        row.addWidget(self.edit)
        if field.unit:
            row.addWidget(QLabel(field.unit, self))
        row.addStretch(1)
        self.setFocusProxy(self.edit)

    def value(self) -> Any:
        text = self.edit.text().strip()
        if not text:
            return None
        try:
            if self.field.type == "int":
                return int(text)
            if self.field.type == "decimal":
                return float(text)
        except ValueError:
            return text  # forms.validate names the problem
        return text

    def set_value(self, value: Any) -> None:
        if value is None:
            text = ""
        elif self.field.type == "decimal" and isinstance(value, float):
            places = self.field.decimals if self.field.decimals is not None else 1
            text = f"{value:.{places}f}"
        else:
            text = str(value)
        if text != self.edit.text():
            self.edit.setText(text)

    def focus_input(self) -> None:
        self.edit.setFocus()
        self.edit.selectAll()

    def set_error(self, message: str | None) -> None:
        self.edit.setStyleSheet(f"QLineEdit {{{ERROR_STYLE}}}" if message else "")
        self.edit.setToolTip(message or self.field.hint)

    def set_read_only(self, read_only: bool) -> None:
        if not self.field.computed:
            self.edit.setReadOnly(read_only)


class BoolField(FieldWidget):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.box = QCheckBox(tr("Form", "是"), self)
        self.box.toggled.connect(self.changed)
        row.addWidget(self.box)
        row.addStretch(1)
        self.setFocusProxy(self.box)

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def set_read_only(self, read_only: bool) -> None:
        _freeze(self.box, read_only)


class CodeField(FieldWidget):
    """Single choice: radio buttons showing "1 男"; long tables use a drop-down list. The table's
    `other_code` enables a free-text box stored as "<key>_other"."""

    def __init__(self, field: Field, table: CodeTable, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.table = table
        self.combo: QComboBox | None = None
        self.group: QButtonGroup | None = None
        self.buttons: dict[str, QRadioButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        if len(table.codes) > COMBO_FROM:
            self.combo = QComboBox(self)
            self.combo.addItem(tr("Form", "（未选）"), None)
            for c in table.codes:
                self.combo.addItem(code_text(table, c.code), c.code)
            self.combo.currentIndexChanged.connect(self._on_change)
            row.addWidget(self.combo)
            self.setFocusProxy(self.combo)
        else:
            grid = QGridLayout()
            grid.setHorizontalSpacing(14)
            grid.setVerticalSpacing(2)
            self.group = QButtonGroup(self)
            for i, c in enumerate(table.codes):
                button = QRadioButton(code_text(table, c.code), self)
                button.setObjectName(f"{field.key}_{c.code}")
                self.group.addButton(button, i)
                self.buttons[c.code] = button
                grid.addWidget(button, i // RADIO_COLUMNS, i % RADIO_COLUMNS)
            self.group.buttonToggled.connect(lambda *_: self._on_change())
            row.addLayout(grid)
            clear = self.clear_button = QToolButton(self)
            clear.setText("×")
            clear.setToolTip(tr("Form", "清除选择"))
            clear.setFocusPolicy(clear.focusPolicy().NoFocus)
            clear.clicked.connect(lambda: self.set_value(None))
            row.addWidget(clear)
            if table.codes:
                self.setFocusProxy(self.buttons[table.codes[0].code])
        self.other: QLineEdit | None = None
        if table.other_code:
            self.other = QLineEdit(self)
            self.other.setObjectName(f"input_{field.key}_other")
            self.other.setPlaceholderText(tr("Form", "请写明"))
            self.other.setMaximumWidth(200)
            self.other.textChanged.connect(self.changed)
            row.addWidget(self.other)
        row.addStretch(1)
        self._sync_other()

    def _on_change(self) -> None:
        self._sync_other()
        self.changed.emit()

    def _sync_other(self) -> None:
        if self.other is not None:
            self.other.setEnabled(self.value() == self.table.other_code)

    def value(self) -> Any:
        if self.combo is not None:
            return self.combo.currentData()
        for code, button in self.buttons.items():
            if button.isChecked():
                return code
        return None

    def other_value(self) -> str | None:
        if self.other is None or not self.other.isEnabled():
            return None
        return self.other.text().strip() or None

    def set_value(self, value: Any) -> None:
        if self.combo is not None:
            index = self.combo.findData(value) if value is not None else 0
            self.combo.setCurrentIndex(max(index, 0))
        elif self.group is not None:
            self.group.setExclusive(False)  # an exclusive group cannot be emptied
            for code, button in self.buttons.items():
                button.setChecked(code == value)
            self.group.setExclusive(True)
        self._on_change()

    def set_other(self, text: str | None) -> None:
        if self.other is not None:
            self.other.setText(text or "")

    def set_read_only(self, read_only: bool) -> None:
        if self.combo is not None:
            self.combo.setEnabled(not read_only)
        for button in self.buttons.values():
            _freeze(button, read_only)
        clear = getattr(self, "clear_button", None)
        if clear is not None:
            clear.setVisible(not read_only)
        if self.other is not None:
            self.other.setReadOnly(read_only)

    def focus_input(self) -> None:
        current = self.value()
        if self.combo is not None:
            self.combo.setFocus()
        elif current in self.buttons:
            self.buttons[current].setFocus()
        elif self.buttons:
            next(iter(self.buttons.values())).setFocus()


class MultiCodeField(CodeField):
    """Multi choice: check boxes; an `exclusive` code (such as "1 无") clears the others."""

    def __init__(self, field: Field, table: CodeTable, parent: QWidget | None = None) -> None:
        FieldWidget.__init__(self, field, parent)
        self.table = table
        self.combo = None
        self.group = None
        self.buttons: dict[str, QCheckBox] = {}  # type: ignore[assignment]
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        for i, c in enumerate(table.codes):
            box = QCheckBox(code_text(table, c.code), self)
            box.setObjectName(f"{field.key}_{c.code}")
            box.toggled.connect(lambda on, code=c.code: self._toggled(code, on))
            self.buttons[c.code] = box
            grid.addWidget(box, i // RADIO_COLUMNS, i % RADIO_COLUMNS)
        row.addLayout(grid)
        self.other = None
        if table.other_code:
            self.other = QLineEdit(self)
            self.other.setObjectName(f"input_{field.key}_other")
            self.other.setPlaceholderText(tr("Form", "请写明"))
            self.other.setMaximumWidth(200)
            self.other.textChanged.connect(self.changed)
            row.addWidget(self.other)
        row.addStretch(1)
        if table.codes:
            self.setFocusProxy(self.buttons[table.codes[0].code])
        self._sync_other()

    def _toggled(self, code: str, on: bool) -> None:
        if on:
            others = (
                [c for c in self.buttons if c != code]
                if code in self.table.exclusive
                else list(self.table.exclusive)
            )
            for c in others:
                if self.buttons[c].isChecked():
                    self.buttons[c].setChecked(False)
        self._on_change()

    def _sync_other(self) -> None:
        if self.other is not None:
            self.other.setEnabled(self.table.other_code in (self.value() or []))

    def value(self) -> Any:
        codes = [c for c, box in self.buttons.items() if box.isChecked()]
        return codes or None

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for code, box in self.buttons.items():
            box.blockSignals(True)
            box.setChecked(code in chosen)
            box.blockSignals(False)
        self._on_change()


class CodeCellDelegate(QStyledItemDelegate):
    """Code columns of a list (e.g. the disease of 既往史) are chosen from their table, shown as
    "2 高血压" like everywhere else."""

    def __init__(self, table: CodeTable, parent: QWidget) -> None:
        super().__init__(parent)
        self.table = table

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:  # noqa: ARG002
        combo = QComboBox(parent)
        combo.addItem("", None)
        for c in self.table.codes:
            combo.addItem(code_text(self.table, c.code), c.code)
        return combo

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        code = (index.data() or "").split(" ", 1)[0]
        editor.setCurrentIndex(max(editor.findData(code), 0))

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        model.setData(index, editor.currentText())


class ListField(FieldWidget):
    """A list of items (medications, hospital stays): a table, each item keeps its own id."""

    def __init__(self, field: Field, tables: dict[str, CodeTable], parent: QWidget | None = None):
        super().__init__(field, parent)
        self.items_fields = field.item_fields
        self.tables = tables
        self._ids: list[str] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(field.item_fields), self)
        self.table.setObjectName(f"input_{field.key}")
        headers = [f.label + (f"（{f.unit}）" if f.unit else "") for f in field.item_fields]
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(130)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.itemChanged.connect(lambda *_: self.changed.emit())
        tips = [
            f"{f.label}：" + "、".join(code_text(tables[f.codes], c.code) for c in tables[f.codes].codes)
            for f in field.item_fields
            if f.codes and f.codes in tables
        ]
        self.table.setToolTip("\n".join(tips))
        for col, f in enumerate(field.item_fields):
            if f.codes and f.codes in tables:
                self.table.setItemDelegateForColumn(col, CodeCellDelegate(tables[f.codes], self.table))
        buttons = QHBoxLayout()
        add = QPushButton(tr("Form", "添加一行"), self)
        add.setObjectName(f"add_{field.key}")
        add.clicked.connect(lambda: self.add_row({}))
        remove = QPushButton(tr("Form", "删除选中行"), self)
        remove.clicked.connect(self._remove_selected)
        self.row_buttons = (add, remove)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        box.addWidget(self.table)
        box.addLayout(buttons)
        self.setFocusProxy(self.table)

    def add_row(self, item: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._ids.append(str(item.get("id") or uuid.uuid4().hex))
        for col, f in enumerate(self.items_fields):
            value = item.get(f.key)
            text = "" if value is None else str(value)
            if text and f.codes in self.tables:
                text = code_text(self.tables[f.codes], text)
            self.table.setItem(row, col, QTableWidgetItem(text))
        self.changed.emit()

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
            del self._ids[row]
        self.changed.emit()

    def value(self) -> Any:
        items = []
        for row in range(self.table.rowCount()):
            item: dict[str, Any] = {"id": self._ids[row]}
            for col, f in enumerate(self.items_fields):
                cell = self.table.item(row, col)
                text = cell.text().strip() if cell is not None else ""
                if not text:
                    continue
                if f.codes in self.tables:
                    text = text.split(" ", 1)[0]  # "2 高血压" -> "2"
                try:
                    item[f.key] = (
                        int(text) if f.type == "int" else float(text) if f.type == "decimal" else text
                    )
                except ValueError:
                    item[f.key] = text
            if len(item) > 1:
                items.append(item)
        return items or None

    def set_value(self, value: Any) -> None:
        self.table.setRowCount(0)
        self._ids.clear()
        for item in value or []:
            self.add_row(item)

    def set_read_only(self, read_only: bool) -> None:
        if not hasattr(self, "_triggers"):
            self._triggers = self.table.editTriggers()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if read_only
                                   else self._triggers)  # fmt: skip
        for button in self.row_buttons:
            button.setVisible(not read_only)

    def set_error(self, message: str | None) -> None:
        self.table.setStyleSheet(f"QTableWidget {{{ERROR_STYLE}}}" if message else "")
        self.table.setToolTip(message or self.field.hint)


def make_field(field: Field, tables: dict[str, CodeTable], parent: QWidget | None) -> FieldWidget:
    if field.type == "code" and field.codes in tables:
        return CodeField(field, tables[field.codes], parent)
    if field.type == "multicode" and field.codes in tables:
        return MultiCodeField(field, tables[field.codes], parent)
    if field.type == "list":
        return ListField(field, tables, parent)
    if field.type == "bool":
        return BoolField(field, parent)
    return LineField(field, parent)
