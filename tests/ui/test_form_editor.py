"""The generated form editor: code choices, computed fields live, top-most bad field focused."""

from __future__ import annotations

from typing import Any

import pytest

from forms.model import Code, CodeTable, Field, FieldError, FormDef, Section, ValidationContext
from tests.ui.helpers import type_text
from ui.form_editor import FormEditor
from ui.qt import QAbstractItemDelegate, QComboBox, QPushButton, QRadioButton, Qt

# A small definition in the vocabulary of forms.model, so the editor is tested on its own; the
# real definitions are exercised by the flow tests.
TABLES = {
    "sex": CodeTable("sex", (Code("1", "男"), Code("2", "女"), Code("9", "未说明"))),
    "symptom": CodeTable(
        "symptom", (Code("1", "无症状"), Code("2", "头痛头晕"), Code("3", "其他")),
        exclusive=("1",), other_code="3",
    ),
}


def _bmi(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    h, w = doc.get("height"), doc.get("weight")
    if isinstance(h, int | float) and isinstance(w, int | float) and h > 0:
        out["bmi"] = round(w / (h / 100) ** 2, 1)
    return out


FORM = FormDef(
    code="test_form",
    title="测试表",
    edition="2017",
    sections=(
        Section("a", "基本", (
            Field("name", "姓名", "text", required=True),
            Field("sex", "性别", "code", codes="sex"),
            Field("symptom", "症状", "multicode", codes="symptom"),
        )),
        Section("b", "体征", (
            Field("height", "身高", "decimal", unit="cm", min=50, max=250),
            Field("weight", "体重", "decimal", unit="kg", min=2, max=300),
            Field("bmi", "体质指数", "decimal", unit="kg/m²", computed=True),
        )),
    ),
    code_tables=TABLES,
    compute=(_bmi,),
)


@pytest.fixture
def editor(qtbot, monkeypatch):
    import forms

    def prepare(code, doc, ctx=None, edition=None):
        return _bmi(doc)

    def validate(code, doc, ctx=None, edition=None):
        errors = []
        if not doc.get("name"):
            errors.append(FieldError("name", "姓名", "必须填写"))
        h = doc.get("height")
        if h is not None and not 50 <= h <= 250:
            errors.append(FieldError("height", "身高", "应在 50～250 cm 之间"))
        return errors

    # The editor calls the public forms API; this synthetic form is not registered there.
    monkeypatch.setattr(forms, "prepare", prepare)
    monkeypatch.setattr(forms, "validate", validate)
    w = FormEditor(FORM, ValidationContext())
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    return w


def test_code_choices_show_code_and_label(editor):
    texts = [b.text() for b in editor.widgets["sex"].findChildren(QRadioButton)]
    assert texts == ["1 男", "2 女", "9 未说明"]


def test_bmi_computed_live(editor, qtbot):
    qtbot.keyClicks(editor.widgets["height"].edit, "170")
    qtbot.keyClicks(editor.widgets["weight"].edit, "65")
    qtbot.waitUntil(lambda: editor.widgets["bmi"].edit.text() == "22.5")
    assert "bmi" not in editor.document()  # computed values are not typed input


def test_exclusive_code_clears_others_and_other_text(editor, qtbot):
    w = editor.widgets["symptom"]
    qtbot.mouseClick(w.buttons["2"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.buttons["3"], Qt.MouseButton.LeftButton)
    assert w.other.isEnabled()
    type_text(qtbot, w.other, "乏力")
    assert editor.document()["symptom"] == ["2", "3"]
    assert editor.document()["symptom_other"] == "乏力"
    qtbot.mouseClick(w.buttons["1"], Qt.MouseButton.LeftButton)
    assert editor.document()["symptom"] == ["1"]
    assert "symptom_other" not in editor.document()


def test_top_most_bad_field_gets_focus(editor, qtbot):
    qtbot.keyClicks(editor.widgets["height"].edit, "300")
    errors = editor.validate()
    assert [e.key for e in errors] == ["name", "height"]
    assert editor.widgets["name"].edit.hasFocus()
    assert "d32f2f" in editor.widgets["height"].edit.styleSheet()
    assert "姓名：" in editor.widgets["name"].edit.toolTip()
    assert "name" not in editor.widgets["name"].edit.toolTip()
    type_text(qtbot, editor.widgets["name"].edit, "张三")
    errors = editor.validate()
    assert [e.key for e in errors] == ["height"]
    assert editor.widgets["height"].edit.hasFocus()


def test_load_round_trip_keeps_unknown_keys(editor):
    doc = {"name": "李四", "sex": "2", "height": 160.0, "legacy_key": "x"}
    editor.load(doc)
    assert editor.document() == doc


@pytest.mark.parametrize("code", __import__("forms").form_codes())
def test_every_form_builds_and_round_trips_its_example(qtbot, code):
    """The editor is generated for every definition; the example document survives a load and
    read back (computed fields are the form's to fill, so they are left out of the comparison)."""
    import forms
    from forms.examples import example

    form = forms.get_form(code)
    editor = FormEditor(form, ValidationContext())
    qtbot.addWidget(editor)
    doc = example(code)
    editor.load(doc)
    computed = {f.key for f in form.fields() if f.computed}
    got = editor.document()
    want = {k: v for k, v in doc.items() if k not in computed and v not in (None, "", [])}
    got = {k: v for k, v in got.items() if k not in computed}
    assert got == want


def test_screenshot_health_exam_editor(qtbot):
    """The largest form, as a doctor sees it at 1366x768 (for review; see CUNYI_SCREENSHOTS)."""
    import forms
    from forms.examples import example
    from tests.ui.helpers import screenshot

    editor = FormEditor(forms.get_form("health_exam"), ValidationContext())
    qtbot.addWidget(editor)
    editor.load(example("health_exam"))
    editor.resize(1366, 700)
    editor.show()
    editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum() // 3)
    screenshot(editor, "80-health-exam-editor")
    assert editor.widgets["sbp_left"].value() == example("health_exam")["sbp_left"]


def test_list_code_column_is_chosen_from_its_table(qtbot):
    """既往史: the disease is picked as "2 高血压" and stored as its code, with an item id."""
    import forms

    editor = FormEditor(forms.get_form("personal_info"), ValidationContext())
    qtbot.addWidget(editor)
    editor.show()
    diseases = editor.widgets["past_diseases"]
    qtbot.mouseClick(diseases.findChild(QPushButton, "add_past_diseases"), Qt.MouseButton.LeftButton)
    table = diseases.table
    col = [f.key for f in diseases.items_fields].index("code")
    table.setCurrentCell(0, col)
    table.editItem(table.item(0, col))
    combo = table.findChild(QComboBox)
    assert combo is not None and combo.itemText(2) == "2 高血压"
    combo.setCurrentIndex(2)
    table.commitData(combo)
    table.closeEditor(combo, QAbstractItemDelegate.EndEditHint.NoHint)
    items = editor.document()["past_diseases"]
    assert items[0]["code"] == "2" and len(items[0]["id"]) == 32
    editor.load({"past_diseases": [{"id": "x1", "code": "3"}]})
    assert table.item(0, col).text() == "3 糖尿病"
    assert editor.document()["past_diseases"] == [{"id": "x1", "code": "3"}]


def test_tab_goes_through_fields_in_paper_order(qtbot):
    """Keyboard entry: Tab from 收缩压 lands on 舒张压, then 体重 (two short fields share a row)."""
    import forms

    editor = FormEditor(forms.get_form("htn_followup"), ValidationContext())
    qtbot.addWidget(editor)
    with qtbot.waitActive(editor, timeout=3000):  # focus moves only in an active window
        editor.show()
        editor.activateWindow()
    w = editor.widgets
    w["sbp"].edit.setFocus()
    qtbot.keyClick(w["sbp"].edit, Qt.Key.Key_Tab)
    assert w["dbp"].edit.hasFocus()
    qtbot.keyClick(w["dbp"].edit, Qt.Key.Key_Tab)
    assert w["weight_kg"].edit.hasFocus()
