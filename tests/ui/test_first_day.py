"""Issue 11, the first day: every form from the resident view, the form chooser of 新增随访,
old records read-only until 修改, discarding drafts, Enter on a single hit, hiding the
gynaecology items for men. Real clicks on a real encrypted installation."""

from __future__ import annotations

import datetime as dt

import forms
from tests.ui.helpers import click, db, gone, records_of, screenshot, type_text
from ui import errors, tasks
from ui.qt import Qt, isValid


def drafts_of_mine():
    from app.services import drafts

    return db(lambda s: drafts.list_mine(s))


def open_view(qtbot, main, uuid):
    view = main.open_resident(uuid)
    qtbot.waitUntil(lambda: bool(view.data), timeout=5000)
    return view


def test_every_form_starts_from_the_resident_view(qtbot, doctor):
    main, uuids = doctor
    view = open_view(qtbot, main, uuids["张三"])
    assert set(view.form_actions) == set(forms.resident_form_codes())  # none forgotten or invented
    click(qtbot, view.buttons["forms"])
    qtbot.waitUntil(lambda: view.forms_menu.isVisible())
    screenshot(view.forms_menu, "110-forms-menu")
    view.forms_menu.close()
    for code in forms.resident_form_codes():
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
    chooser.list.setCurrentRow(chooser.codes().index("dm_followup"))
    assert "不适用" in chooser.list.currentItem().text() and "糖尿病" in chooser.reason.text()
    screenshot(chooser, "111b-form-chooser-all")
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


def test_old_record_opens_read_only_until_edit(qtbot, doctor, monkeypatch):
    main, uuids = doctor
    zhang = uuids["张三"]
    view = open_view(qtbot, main, zhang)
    view.timeline.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_htn_followup")
    editor = main.tabs.currentWidget()
    w = editor.editor.widgets
    assert editor.read_only and editor.edit_button.isVisible() and not editor.save_button.isVisible()
    assert "修改" in editor.banner.text()
    screenshot(main, "112-record-read-only")
    qtbot.keyClicks(w["sbp"].edit, "9")  # typing changes nothing
    click(qtbot, w["symptoms"].buttons["2"])  # nor does clicking a choice
    assert w["sbp"].value() == 150 and w["symptoms"].value() is None
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.dirty and records_of(zhang, "htn_followup")[0]["rev"] == 1
    click(qtbot, editor.edit_button)
    assert not editor.read_only and editor.save_button.isVisible() and not editor.edit_button.isVisible()
    w["sbp"].edit.clear()
    qtbot.keyClicks(w["sbp"].edit, "145")
    click(qtbot, w["symptoms"].buttons["2"])
    assert w["symptoms"].value() == ["2"]
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: records_of(zhang, "htn_followup")[0]["rev"] == 2, timeout=10000)
    assert records_of(zhang, "htn_followup")[0]["doc"]["sbp"] == 145


def test_discard_draft_in_the_editor(qtbot, doctor, monkeypatch):
    main, uuids = doctor
    view = open_view(qtbot, main, uuids["赵秀兰"])
    editor = main.open_editor(view.data.resident, "dm_followup")
    assert not editor.discard_button.isVisible()  # nothing typed, nothing to throw away
    qtbot.keyClicks(editor.editor.widgets["fasting_glucose"].edit, "8.4")
    assert editor.discard_button.isVisible()
    editor.save_draft()
    qtbot.waitUntil(lambda: len(drafts_of_mine()) == 1, timeout=5000)
    asked = []
    monkeypatch.setattr(errors, "confirm", lambda parent, text, title="": asked.append(text) or False)
    click(qtbot, editor.discard_button)  # asked, and the doctor says no: nothing changes
    assert asked and "放弃" in asked[0]
    assert main.tabs.currentWidget() is editor and len(drafts_of_mine()) == 1
    monkeypatch.setattr(errors, "confirm", lambda parent, text, title="": True)
    click(qtbot, editor.discard_button)
    qtbot.waitUntil(lambda: gone(main, editor), timeout=5000)
    assert drafts_of_mine() == []
    assert records_of(uuids["赵秀兰"], "dm_followup") == []
    # a correction of an old record: discarding goes back to the saved record, read-only
    zhang = open_view(qtbot, main, uuids["张三"])
    rec = zhang.data.records[0]
    old = main.open_record(zhang.data.resident, rec)
    click(qtbot, old.edit_button)
    qtbot.keyClicks(old.editor.widgets["dbp"].edit, "1")
    old.save_draft()
    qtbot.waitUntil(lambda: len(drafts_of_mine()) == 1, timeout=5000)
    click(qtbot, old.discard_button)
    qtbot.waitUntil(lambda: old.read_only, timeout=5000)
    assert old.editor.widgets["dbp"].value() == 95 and drafts_of_mine() == []


def test_discard_draft_in_the_drafts_dialog(qtbot, doctor, monkeypatch):
    main, uuids = doctor
    view = open_view(qtbot, main, uuids["赵秀兰"])
    editor = main.open_editor(view.data.resident, "dm_followup")
    qtbot.keyClicks(editor.editor.widgets["fasting_glucose"].edit, "9.1")
    click(qtbot, editor.close_button)
    qtbot.waitUntil(lambda: len(drafts_of_mine()) == 1, timeout=5000)
    main.actions_by_name["drafts"].trigger()
    dialog = main.dialogs["drafts"]
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    screenshot(dialog, "113-drafts-dialog")
    asked = []
    monkeypatch.setattr(errors, "confirm", lambda parent, text, title="": asked.append(text) or True)
    click(qtbot, dialog.discard_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=5000)
    assert "赵秀兰" in asked[0] and "糖尿病" in asked[0]
    assert drafts_of_mine() == []
    assert not dialog.discard_button.isEnabled()
    dialog.close()
    # the form still open in a tab when its draft is discarded: it lets it go too
    again = main.open_editor(view.data.resident, "dm_followup")
    qtbot.keyClicks(again.editor.widgets["fasting_glucose"].edit, "7.7")
    again.save_draft()
    qtbot.waitUntil(lambda: len(drafts_of_mine()) == 1, timeout=5000)
    dialog = main.open_drafts()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    click(qtbot, dialog.discard_button)
    qtbot.waitUntil(lambda: gone(main, again), timeout=5000)
    main.lock()  # locking keeps the drafts of open forms: there is none to keep
    qtbot.waitUntil(lambda: not tasks.worker().busy, timeout=5000)
    assert drafts_of_mine() == []


def test_health_exam_hides_gynaecology_for_men(qtbot, doctor):
    main, uuids = doctor
    gyn = {"gyn_vulva", "gyn_vagina", "gyn_cervix", "gyn_uterus", "gyn_adnexa"}
    man = open_view(qtbot, main, uuids["张三"])
    exam = main.open_editor(man.data.resident, "health_exam")
    assert not gyn & set(exam.editor.widgets)
    assert "dre" in exam.editor.widgets  # what applies to everyone stays
    woman = open_view(qtbot, main, uuids["赵秀兰"])
    her_exam = main.open_editor(woman.data.resident, "health_exam")
    assert gyn <= set(her_exam.editor.widgets)
    her_exam.editor.ensureWidgetVisible(her_exam.editor.widgets["gyn_vulva"])
    screenshot(main, "114-exam-woman-gyn")
    # the man's exam saves without them
    main.tabs.setCurrentWidget(exam)
    exam.editor.widgets["visit_date"].set_value(dt.date.today().isoformat())
    click(qtbot, exam.save_button)
    qtbot.waitUntil(lambda: len(records_of(uuids["张三"], "health_exam")) == 1, timeout=10000)
    assert not gyn & set(records_of(uuids["张三"], "health_exam")[0]["doc"])


def test_enter_opens_the_single_hit(qtbot, doctor):
    main, uuids = doctor
    box = main.residents.search_box
    box.setFocus()
    qtbot.keyClicks(box, "zxl")
    qtbot.keyClick(box, Qt.Key.Key_Return)  # at once, whether or not the search has come back
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView", timeout=5000)
    assert main.tabs.currentWidget().uuid == uuids["赵秀兰"]
    # several hits: Enter puts the cursor on the first; Enter again opens it
    main.focus_search()
    qtbot.keyClicks(box, "z")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.residents.model.query == "z" and main.residents.table.hasFocus(), timeout=5000)
    assert main.residents.model.rowCount() == 2 and main.tabs.currentWidget() is main.residents
    qtbot.keyClick(main.residents.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView")
    assert main.tabs.currentWidget().uuid == main.residents.model.uuid_at(0)


def test_search_by_id_start_and_birth_date(qtbot, doctor):
    main, uuids = doctor
    lst = main.residents
    box = lst.search_box

    def search(text):
        box.clear()
        with qtbot.waitSignal(lst.model.loaded, timeout=5000):
            qtbot.keyClicks(box, text)
            qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: lst.model.query == text and lst.model.complete, timeout=5000)

    main.focus_search()
    search("420106")  # the region: the same for the whole county, too short to be useful
    qtbot.waitUntil(lambda: "至少输入前12位" in lst.hint_label.text(), timeout=5000)
    assert lst.hint_label.isVisible()
    screenshot(main, "115-search-hint")
    search("420106195804")  # region, birth year and month
    assert lst.hint_label.isHidden()
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView", timeout=5000)
    assert main.tabs.currentWidget().uuid == uuids["张三"]
    main.focus_search()
    search("19620930")  # the birth-date part of the ID number
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView", timeout=5000)
    assert main.tabs.currentWidget().uuid == uuids["赵秀兰"]
    main.focus_search()
    search("12")
    qtbot.waitUntil(lambda: "至少输入4位" in lst.hint_label.text(), timeout=5000)
    assert lst.model.rowCount() == 0


def test_discard_a_half_typed_registration(qtbot, doctor, monkeypatch):
    main, _ = doctor
    editor = main.open_register()
    type_text(qtbot, editor.editor.widgets["name"].edit, "钱五")
    editor.save_draft()
    qtbot.waitUntil(lambda: len(drafts_of_mine()) == 1, timeout=5000)
    monkeypatch.setattr(errors, "confirm", lambda parent, text, title="": True)
    click(qtbot, editor.discard_button)
    qtbot.waitUntil(lambda: gone(main, editor), timeout=5000)
    assert drafts_of_mine() == []
    again = main.open_register()  # a fresh form, nothing restored
    qtbot.waitUntil(lambda: not tasks.worker().busy, timeout=5000)  # its draft lookup answered
    assert again.editor.widgets["name"].value() is None and not again.dirty
