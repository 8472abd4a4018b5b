"""The entry widget generated from a form definition: sections, fields, live computed fields,
and validation that marks every bad field and focuses the top-most one."""

from __future__ import annotations

import re
from typing import Any

import forms
from forms import growth
from forms.model import FieldError, FormDef, ValidationContext
from ui.form_fields import CodeField, FieldWidget, make_field
from ui.qt import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)


def error_key(key: str) -> str:
    """A FieldError key may name an item ("medications[2].dose"): the widget is its list."""
    return re.split(r"[.\[]", key, maxsplit=1)[0]


class FormEditor(QScrollArea):
    """Edits one document of one form. `changed` fires on every edit (drafts listen to it)."""

    changed = Signal()

    def __init__(
        self,
        form: FormDef,
        ctx: ValidationContext | None = None,
        parent: QWidget | None = None,
        *,
        hidden: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.form = form
        self.ctx = ctx or ValidationContext()
        self.widgets: dict[str, FieldWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._extra: dict[str, Any] = {}  # keys of a loaded document the editor has no widget for
        self._auto: dict[str, Any] = {}  # derived answers this editor filled (see refresh_computed)
        self._loading = False
        self.setWidgetResizable(True)
        self.setFrameShape(self.Shape.NoFrame)
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        column.setContentsMargins(6, 6, 6, 6)
        keys = {f.key for f in form.fields()}
        hidden = (*hidden, *other_sex_keys(form, self.ctx.sex))
        self.read_only = False
        self.live: Any = None  # the TCM constitutions shown as the questions are answered
        for section in form.sections:
            fields = [f for f in section.fields if f.key not in hidden]
            # "<key>_other" fields are drawn inside their code field's row.
            fields = [f for f in fields if not _is_other_of(f.key, keys, form)]
            if not fields:
                continue
            if section.layout.get("tcm_questions"):  # 中医体质辨识: one screen, judged live
                from ui import tcm_entry

                box, made, labels = tcm_entry.questions_box(form, fields, tuple(section.layout["tcm_questions"]), inner)
                for widget in made.values():
                    widget.changed.connect(self._on_changed)
                self.widgets.update(made)
                self.labels.update(labels)
                column.addWidget(box)
                self.live = tcm_entry.ConstitutionPanel(inner)
                column.addWidget(self.live)
                continue
            box = QGroupBox(section.label, inner)
            box.setObjectName(f"section_{section.key}")
            grid = QGridLayout(box)
            grid.setHorizontalSpacing(10)
            grid.setVerticalSpacing(6)
            grid.setColumnStretch(1, 1)
            grid.setColumnStretch(3, 1)
            row, col = 0, 0
            for f in fields:
                widget = make_field(f, dict(form.code_tables), box)
                widget.changed.connect(self._on_changed)
                text = f.label + ("<span style='color:#d32f2f'> *</span>" if f.required else "")
                label = QLabel(text, box)
                label.setObjectName(f"label_{f.key}")
                label.setMinimumHeight(24)
                label.setToolTip(f.hint or f.label)
                label.setBuddy(widget)
                right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                # Two short fields share a row so a follow-up fits a 768-pixel screen with little
                # scrolling; choices and lists take the whole row.
                wide = self._is_wide(f)
                if wide and col:
                    row, col = row + 1, 0
                grid.addWidget(label, row, col * 2, right)
                if wide:
                    grid.addWidget(widget, row, 1, 1, 3)
                    row += 1
                else:
                    grid.addWidget(widget, row, col * 2 + 1)
                    row, col = (row + 1, 0) if col else (row, 1)
                self.widgets[f.key] = widget
                self.labels[f.key] = label
            column.addWidget(box)
        column.addStretch(1)
        self.setWidget(inner)
        self._compute_timer = QTimer(self)
        self._compute_timer.setSingleShot(True)
        self._compute_timer.setInterval(150)
        self._compute_timer.timeout.connect(self.refresh_computed)

    def _is_wide(self, f: Any) -> bool:
        if f.type in ("multicode", "list"):
            return True
        if f.type == "code" and f.codes in self.form.code_tables:
            return len(self.form.code_tables[f.codes].codes) > 3
        return False

    # --- document in and out
    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self._extra)
        for key, widget in self.widgets.items():
            if widget.field.computed:
                continue
            value = widget.value()
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
            if isinstance(widget, CodeField) and widget.other is not None:
                other = widget.other_value()
                if other:
                    doc[f"{key}_other"] = other
                else:
                    doc.pop(f"{key}_other", None)
        return doc

    def load(self, doc: dict[str, Any] | None) -> None:
        doc = dict(doc or {})
        self._loading = True
        try:
            for key, widget in self.widgets.items():
                widget.set_value(doc.pop(key, None))
                if isinstance(widget, CodeField) and widget.other is not None:
                    widget.set_other(doc.pop(f"{key}_other", None))
            self._extra = doc
            # A saved level that is what the WHO standards give its measurements follows a
            # corrected measurement (as records.update does); any other is the doctor's.
            saved = {k: w.value() for k, w in self.widgets.items()}
            self._auto = {k: v for k, v in growth.auto_levels(self.form, saved, self.ctx).items()
                          if saved.get(k) == v}  # fmt: skip
        finally:
            self._loading = False
        self.clear_errors()
        self.refresh_computed()
        if self.live is not None:
            self.live.show_answers(self.document())

    def set_read_only(self, read_only: bool) -> None:
        """An old record is shown read-only until the doctor asks to correct it."""
        self.read_only = read_only
        # Grey boxes say "cannot type here" at a glance; the text itself stays black.
        self.widget().setStyleSheet("QLineEdit:read-only { background: #f1f4f8; }" if read_only else "")
        for widget in self.widgets.values():
            widget.set_read_only(read_only)

    def set_value(self, key: str, value: Any) -> None:
        self.widgets[key].set_value(value)

    def _on_changed(self) -> None:
        if self._loading:
            return
        if self.live is not None:
            self.live.show_answers(self.document())
        self._compute_timer.start()
        self.changed.emit()

    def refresh_computed(self) -> None:
        """Show computed fields (BMI, scores) as the doctor types."""
        computed = [w for w in self.widgets.values() if w.field.computed]
        derived = {k: w for k, w in self.widgets.items() if w.field.layout.get("derived_from")}
        if not computed and not derived:
            return
        typed = self.document()
        # An answer this editor filled itself (a child's 上/中/下) is worked out again from the
        # new measurement, not kept as if the doctor had chosen it.
        for key, value in self._auto.items():
            if key in typed and typed[key] == value:
                del typed[key]
        try:
            prepared = forms.prepare(self.form.code, typed, self.ctx, self.form.edition)
        except Exception:  # noqa: BLE001 - half-typed input: leave the old value until it parses
            return
        for widget in computed:
            widget.set_value(prepared.get(widget.field.key))
        # An answer the form derives from a measurement (中医体质 question 9 from the BMI, a
        # child's 上/中/下 from the WHO standards) is shown as it will be saved.
        for key, widget in derived.items():
            if key in prepared and prepared[key] != typed.get(key):
                widget.set_value(prepared[key])
                self._auto[key] = prepared[key]
            elif key not in prepared and key in self._auto and widget.value() == self._auto.pop(key):
                widget.set_value(None)  # the measurement it came from was cleared

    # --- validation
    def clear_errors(self) -> None:
        for widget in self.widgets.values():
            widget.set_error(None)
        for label in self.labels.values():
            label.setStyleSheet("")

    def validate(self) -> list[FieldError]:
        """Check the document with forms.validate; mark bad fields; focus the top-most one."""
        errors = forms.validate(self.form.code, self.document(), self.ctx, self.form.edition)
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: list[FieldError]) -> FieldError | None:
        self.clear_errors()
        order = {key: i for i, key in enumerate(self.widgets)}
        marked = [e for e in errors if error_key(e.key) in self.widgets]
        for e in marked:
            self.widgets[error_key(e.key)].set_error(str(e))
            self.labels[error_key(e.key)].setStyleSheet("color: #d32f2f; font-weight: bold;")
        if not errors:
            return None
        top = min(marked, key=lambda e: order[error_key(e.key)]) if marked else errors[0]
        if top in marked:
            widget = self.widgets[error_key(top.key)]
            self.ensureWidgetVisible(widget, 40, 60)
            widget.focus_input()
        return top


def _is_other_of(key: str, keys: set[str], form: FormDef) -> bool:
    if not key.endswith("_other"):
        return False
    base = key[: -len("_other")]
    if base not in keys:
        return False
    f = form.field(base)
    return f.codes is not None and form.code_tables[f.codes].other_code is not None


def other_sex_keys(form: FormDef, sex: str | None) -> tuple[str, ...]:
    """Items printed for one sex only (layout applies_to, e.g. the 妇科 items of the health exam)
    that do not apply to a resident of the other sex. An unknown sex hides nothing."""
    own = {"1": "male", "2": "female"}.get(sex or "")
    if own is None:
        return ()
    return tuple(f.key for f in form.fields() if f.layout.get("applies_to") not in (None, own))


def context_for(resident: dict[str, Any] | None, today: str | None = None) -> ValidationContext:
    """The facts a form's rules need about the resident the record belongs to."""
    if not resident:
        return ValidationContext(today=today)
    return ValidationContext(
        today=today, birth_date=resident.get("birth_date"), sex=resident.get("sex")
    )


REQUIRED_MARK = tr("Form", "带 * 的项目必须填写")
