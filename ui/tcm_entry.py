"""老年人中医药健康管理服务记录表 as a fast one-screen entry (issue 16): the 33 questions in two
columns of compact 1-5 choices (a digit key answers and moves to the next question), and the
nine constitutions shown live as the answers come in: each one's sum and, once its items are
answered, its judgement by the form's own table (forms/definitions/elderly_tcm.py). The saved
scores stay the form's computed fields; this panel only shows them early."""

from __future__ import annotations

from typing import Any

from forms.definitions import elderly_tcm as tcm
from forms.model import Field, FormDef
from ui.form_fields import FieldWidget
from ui.qt import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    Qt,
    QWidget,
    tr,
)

SCALE = ("1", "2", "3", "4", "5")
DIGITS = {Qt.Key.Key_1: "1", Qt.Key.Key_2: "2", Qt.Key.Key_3: "3", Qt.Key.Key_4: "4", Qt.Key.Key_5: "5"}
GOOD, LEANING, NO, WAIT = "#1b5e20", "#8d5b00", "#555555", "#9e9e9e"


def short(label: str) -> str:
    """A question as the one-screen row shows it: the question itself, its explanation in the
    tooltip (the whole text)."""
    for mark in ("？（", "？［"):
        if mark in label:
            return label[: label.index(mark) + 1]
    return label


class ScaleField(FieldWidget):
    """One question: five small choices 1-5 (the scale words in their tooltips). A digit key
    answers and moves on to the next question."""

    def __init__(self, field: Field, words: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.next_field: ScaleField | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        bands = field.layout.get("bands")
        for i, code in enumerate(SCALE):
            b = QRadioButton(code, self)
            b.setObjectName(f"{field.key}_{code}")
            b.setToolTip(bands[i] if bands else words[i])
            self.group.addButton(b, i)
            self.buttons[code] = b
            row.addWidget(b)
        self.group.buttonToggled.connect(lambda _b, on: on and self.changed.emit())
        self.setFocusProxy(self.buttons["1"])

    def value(self) -> Any:
        return next((c for c, b in self.buttons.items() if b.isChecked()), None)

    def set_value(self, value: Any) -> None:
        self.group.setExclusive(False)  # an exclusive group cannot be emptied
        for code, b in self.buttons.items():
            b.setChecked(code == value)
        self.group.setExclusive(True)
        self.changed.emit()

    def focus_input(self) -> None:
        (self.buttons.get(self.value() or "") or self.buttons["1"]).setFocus()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        code = DIGITS.get(event.key())
        if code is None or not self.isEnabled():
            super().keyPressEvent(event)
            return
        self.set_value(code)
        if self.next_field is not None:
            self.next_field.focus_input()


def questions_box(form: FormDef, fields: list[Field], words: tuple[str, ...],
                  parent: QWidget) -> tuple[QGroupBox, dict[str, FieldWidget], dict[str, QLabel]]:  # fmt: skip
    """The questions section in two columns, each with the scale's five headings."""
    box = QGroupBox(tr("Tcm", "请根据近一年的体验和感觉，回答以下问题（数字键1–5作答并跳到下一题）"), parent)
    box.setObjectName("section_questions")
    grid = QGridLayout(box)
    grid.setHorizontalSpacing(8)
    grid.setVerticalSpacing(0)
    grid.setContentsMargins(6, 2, 6, 2)
    half = (len(fields) + 1) // 2
    heading = "　".join(f"{i + 1}{tr('Tcm', w.split('/')[0][:2])}" for i, w in enumerate(("没有", "很少", "有时", "经常", "总是")))
    for side in range(2):
        top = QLabel(f"<span style='color:#555'>{heading}</span>", box)
        top.setToolTip("；".join(f"{i + 1} {w}" for i, w in enumerate(words)))
        grid.addWidget(top, 0, side * 2 + 1)
    widgets: dict[str, FieldWidget] = {}
    labels: dict[str, QLabel] = {}
    previous: ScaleField | None = None
    for i, f in enumerate(fields):
        w = ScaleField(f, words, box)
        text = short(f.label)
        label = QLabel(text, box)
        label.setObjectName(f"label_{f.key}")
        label.setToolTip(f.label + (f"\n{f.hint}" if f.hint else ""))
        label.setBuddy(w)
        side, row = divmod(i, half)
        grid.addWidget(label, row + 1, side * 2)
        grid.addWidget(w, row + 1, side * 2 + 1)
        if previous is not None:
            previous.next_field = w
        previous = w
        widgets[f.key] = w
        labels[f.key] = label
    grid.setColumnStretch(0, 1)
    grid.setColumnStretch(2, 1)
    return box, widgets, labels


class ConstitutionPanel(QFrame):
    """The nine constitutions as the answers come in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tcmLive")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # one line: a 768-pixel screen has no room for more under the 33 questions
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(6)
        self.summary = QLabel(self)
        self.summary.setObjectName("tcmSummary")
        self.summary.setMinimumWidth(170)
        row.addWidget(self.summary)
        self.cells: dict[str, QLabel] = {}
        for key, name, _code, items in tcm.TYPES:
            cell = QLabel(self)
            cell.setObjectName(f"live_{key}")
            cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setToolTip(tr("Tcm", "{0}：第{1}题").format(name, "、".join(str(i) for i in items)))
            row.addWidget(cell, 1)
            self.cells[key] = cell
        self.show_answers({})

    def show_answers(self, doc: dict[str, Any]) -> dict[str, tuple[int | None, str]]:
        """Update from the typed document (questions 9 and 28 follow BMI and waist as when saved);
        returns type -> (sum or None, judgement word) as shown."""
        doc = dict(doc)
        tcm.derive_measured(doc)
        answers = {n: int(v) for n in range(1, len(tcm.QUESTIONS) + 1)
                   if isinstance(v := doc.get(tcm.qkey(n)), str) and v in SCALE}  # fmt: skip
        complete = len(answers) == len(tcm.QUESTIONS)
        final = tcm.judge(tcm.sums(answers)) if complete else {}
        shown: dict[str, tuple[int | None, str]] = {}
        for key, name, _code, items in tcm.TYPES:
            got = [n for n in items if n in answers]
            part = sum(6 - answers[n] if key == tcm.BALANCED and n in tcm.REVERSED else answers[n]
                       for n in got)  # fmt: skip
            value: int | None = part if got else None
            if len(got) < len(items):
                word, colour = tr("Tcm", "已答{0}/{1}").format(len(got), len(items)), WAIT
            elif key == tcm.BALANCED and not complete:  # 平和质 is judged against all the others
                word, colour = tr("Tcm", "待全部作答"), WAIT
            else:
                code = final[key] if complete else tcm.judge_biased(part)
                word = {"1": "是", "2": "基本是" if key == tcm.BALANCED else "倾向是", "3": "否"}[code]
                colour = GOOD if code == "1" else LEANING if code == "2" else NO
            shown[key] = (value, word)
            score = "—" if value is None else f"{value}分"
            self.cells[key].setText(f"<b>{name}</b> {score} <span style='color:{colour}'>{word}</span>")
        if complete:
            chosen = tcm.primary(tcm.sums(answers), final)
            names = {code: name for _k, name, code, _i in tcm.TYPES}
            self.summary.setText(tr("Tcm", "主要体质 <b>{0}</b>").format(names[chosen]) if chosen
                                 else tr("Tcm", "<b>无明确主要体质</b>，请中医师判定"))  # fmt: skip
            self.summary.setToolTip(tr("Tcm", "33题已全部作答；得分相同或均为否时无明确主要体质"))
        else:
            self.summary.setText(tr("Tcm", "体质辨识：已答 {0}/33 题").format(len(answers)))
            self.summary.setToolTip(tr("Tcm", "随作答即时显示；平和质须全部作答后判定"))
        return shown
