"""Issue 11, the first day: every form from the resident view, the form chooser of 新增随访,
old records read-only until 修改, discarding drafts, Enter on a single hit, hiding the
gynaecology items for men. Real clicks on a real encrypted installation."""

from __future__ import annotations

import datetime as dt

import pytest

import forms
from tests.ui.conftest import ADMIN, DOCTOR
from tests.ui.helpers import click, screenshot, start_logged_in, type_text
from ui import errors, tasks
from ui.qt import Qt, isValid


def db(fn):
    return tasks.worker().run_sync(fn)


def records_of(uuid, form=None):
    from app.services import records

    return db(lambda s: records.list_for(s, uuid, form))


def drafts_of_mine():
    from app.services import drafts

    return db(lambda s: drafts.list_mine(s))


@pytest.fixture
def doctor(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    main.show()
    yield main, uuids
    shell.shutdown()


def open_view(qtbot, main, uuid):
    view = main.open_resident(uuid)
    qtbot.waitUntil(lambda: bool(view.data), timeout=5000)
    return view


def test_every_form_starts_from_the_resident_view(qtbot, doctor):
    main, uuids = doctor
    view = open_view(qtbot, main, uuids["张三"])
    assert set(view.form_actions) == set(forms.form_codes())  # none forgotten, none invented
    click(qtbot, view.buttons["forms"])
    qtbot.waitUntil(lambda: view.forms_menu.isVisible())
    screenshot(main, "110-forms-menu")
    view.forms_menu.close()
    for code in forms.form_codes():
        main.tabs.setCurrentWidget(view)
        view.form_actions[code].trigger()
        if code in ("cover", "info_card"):
            qtbot.waitUntil(lambda: "preview" in main.dialogs and isValid(main.dialogs["preview"])
                            and main.dialogs["preview"].isVisible(), timeout=15000)  # fmt: skip
            preview = main.dialogs.pop("preview")
            assert preview.windowTitle().endswith(forms.get_form(code).title)
            assert preview.pdf.page_count() >= 1
            preview.close()
        elif code == "personal_info":
            assert main.tabs.currentWidget().objectName() == "register"
            assert main.tabs.currentWidget().resident_uuid == uuids["张三"]
        else:
            editor = main.tabs.currentWidget()
            assert editor.objectName() == f"editor_{code}"
            assert editor.resident_uuid == uuids["张三"]
    # one of the forms that had no button before, saved for real
    main.tabs.setCurrentWidget(view)
    view.form_actions["encounter"].trigger()
    editor = main.tabs.currentWidget()
    type_text(qtbot, editor.editor.widgets["subjective"].edit, "头晕三天")
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: len(records_of(uuids["张三"], "encounter")) == 1, timeout=10000)
    assert records_of(uuids["张三"], "encounter")[0]["doc"]["subjective"] == "头晕三天"


def test_new_followup_asks_which_form_fits(qtbot, doctor):
    main, uuids = doctor
    # 张三: hypertension, 68 years old
    open_view(qtbot, main, uuids["张三"])
    main.actions_by_name["followup"].trigger()
    qtbot.waitUntil(lambda: "chooser" in main.dialogs and main.dialogs["chooser"].isVisible(), timeout=5000)
    chooser = main.dialogs["chooser"]
    codes = chooser.codes()
    assert codes[0] == "htn_followup" and "elderly_selfcare" in codes and "dm_followup" not in codes
    screenshot(chooser, "111-form-chooser")
    chooser.show_all.setChecked(True)  # the others are there, with why they do not fit
    assert "dm_followup" in chooser.codes()
    row = chooser.codes().index("dm_followup")
    assert "糖尿病" in chooser.list.item(row).text()
    chooser.show_all.setChecked(False)
    chooser.list.setCurrentRow(codes.index("elderly_selfcare"))
    qtbot.keyClick(chooser.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_elderly_selfcare")
    # 王小明: 31, no chronic disease: no follow-up of a key population is offered
    open_view(qtbot, main, uuids["王小明"])
    main.actions_by_name["followup"].trigger()
    qtbot.waitUntil(lambda: main.dialogs["chooser"] is not chooser and main.dialogs["chooser"].isVisible())
    young = main.dialogs["chooser"]
    assert young.codes()[0] == "health_exam"
    assert not {"htn_followup", "dm_followup", "elderly_selfcare"} & set(young.codes())
    young.reject()
    # 赵秀兰: diabetes: the diabetes follow-up comes first
    open_view(qtbot, main, uuids["赵秀兰"])
    main.actions_by_name["followup"].trigger()
    qtbot.waitUntil(lambda: main.dialogs["chooser"] is not young and main.dialogs["chooser"].isVisible())
    assert main.dialogs["chooser"].codes()[0] == "dm_followup"
    main.dialogs["chooser"].accept()
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_dm_followup")
