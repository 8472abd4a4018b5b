"""The generic editor on a child check sheet (issue 15): the column (age) is chosen like any
code, the "——" cells of another age are refused by the form, a doctor sees it at 1366x768."""

from __future__ import annotations

import forms
from forms.examples import example
from forms.model import ValidationContext
from tests.ui.helpers import screenshot
from ui.form_editor import FormEditor


def test_child_sheet_in_the_editor(qtbot):
    editor = FormEditor(forms.get_form("child_1_8m"), ValidationContext(today="2024-06-30"))
    qtbot.addWidget(editor)
    editor.load(example("child_1_8m"))
    editor.resize(1366, 768)
    editor.show()
    screenshot(editor, "child-1-8m-editor")
    assert editor.document()["slot"] == "3"
    assert editor.validate() == []
    editor.load(example("child_1_8m") | {"hemoglobin": 110})  # no 血红蛋白 cell at 3月龄
    errors = editor.validate()
    assert [e.key for e in errors] == ["hemoglobin"] and "——" in errors[0].message
