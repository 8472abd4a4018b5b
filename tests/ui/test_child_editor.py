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


def test_chooser_offers_a_childs_own_sheet_first(qtbot, guard, installation):
    """新增随访 for a 4-month-old: the 1～8月龄 sheet first, the other child forms next."""
    import datetime as dt

    from app.services import residents
    from app.store import Store
    from tests.ui.conftest import ADMIN, DOCTOR
    from tests.ui.helpers import start_logged_in

    data_dir, uuids = installation
    store = Store.open(data_dir, *ADMIN)
    born = (dt.date.today() - dt.timedelta(days=125)).isoformat()
    kid = residents.add(store, {"name": "赵丽之女", "sex": "2", "birth_date": born,
                                "household": "李家村1组"})["uuid"]  # fmt: skip
    store.close()
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    try:
        main.show()
        view = main.open_resident(kid)
        qtbot.waitUntil(lambda: bool(view.data), timeout=5000)
        main.actions_by_name["followup"].trigger()
        qtbot.waitUntil(lambda: "chooser" in main.dialogs and main.dialogs["chooser"].isVisible(),
                        timeout=5000)  # fmt: skip
        chooser = main.dialogs["chooser"]
        codes = chooser.codes()
        assert codes[:2] == ["child_1_8m", "newborn_visit"]
        assert "elderly_selfcare" not in codes and "prenatal_first" not in codes
        screenshot(chooser, "child-form-chooser")
        chooser.reject()

        # The resident view's quick entry is the check sheet of the child's age, in place of
        # the adults' follow-ups; an adult's view keeps those.
        quick = view.buttons["child_check"]
        assert quick.isVisibleTo(view) and quick.text() == "新增1～8月龄儿童健康检查"
        assert not view.buttons["htn_followup"].isVisibleTo(view)
        asked = []
        view.new_record.connect(lambda _r, form: asked.append(form))
        quick.click()
        assert asked == ["child_1_8m"]
        adult = main.open_resident(uuids["张三"])
        qtbot.waitUntil(lambda: bool(adult.data), timeout=5000)
        assert adult.buttons["htn_followup"].isVisibleTo(adult)
        assert not adult.buttons["child_check"].isVisibleTo(adult)
    finally:
        shell.shutdown()
