"""A village doctor's day, end to end with real clicks and keys on a real encrypted database:
register (ID auto-fill, duplicates), search by initials, a hypertension follow-up refused then
saved, the due list, a card print preview, merging two records."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from forms.idnumber import make
from tests.ui.conftest import ADMIN
from tests.ui.helpers import click, db, gone, records_of, screenshot, start_logged_in, type_text
from tests.ui.test_wizard import pdf_printer
from ui import errors, printing
from ui.qt import QPushButton, Qt


@pytest.fixture
def admin(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.show()
    yield main, uuids
    shell.shutdown()


def test_search_by_initials(qtbot, doctor):
    main, uuids = doctor
    screenshot(main, "30-main-list")
    box = main.residents.search_box
    qtbot.keyClicks(box, "zs")
    qtbot.waitUntil(lambda: main.residents.model.query == "zs" and main.residents.model.rowCount() == 1)
    assert main.residents.model.uuid_at(0) == uuids["张三"]
    qtbot.waitUntil(lambda: main.residents.model.resident(0) is not None)
    assert main.residents.model.data(main.residents.model.index(0, 1)) == "张三"
    screenshot(main, "31-search-initials")
    # Down then Enter opens the resident
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(main.residents.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.tabs.count() == 3)
    view = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: bool(view.data))
    assert "张三" in view.header.text() and "高血压" in view.header.text()


def test_register_with_id_autofill(qtbot, doctor, caplog):
    caplog.set_level("INFO", logger="cunyi")
    main, _ = doctor
    qtbot.keyClick(main, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "register")
    editor = main.tabs.currentWidget()
    w = editor.editor.widgets
    type_text(qtbot, w["name"].edit, "李四")
    number = make("420106", dt.date(1971, 5, 6), 35)
    qtbot.keyClicks(w["id_number"].edit, number)
    assert w["sex"].value() == "1"  # odd sequence: male
    assert w["birth_date"].value() == "1971-05-06"
    assert w["sex"].buttons["1"].text() == "1 男"
    qtbot.keyClicks(w["phone"].edit, "13912345678")
    screenshot(main, "32-register")
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView", timeout=10000)
    view = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: bool(view.data))
    assert view.data.resident["id_number"] == number
    assert view.data.resident["record_no"].startswith("420106001001")
    assert "form saved" in caplog.text  # the log says what happened, not to whom
    assert "李四" not in caplog.text and number not in caplog.text
    screenshot(main, "33-resident-view")


def test_bad_id_number_is_named_and_nothing_saved(qtbot, doctor):
    main, _ = doctor
    editor = main.open_register()
    w = editor.editor.widgets
    type_text(qtbot, w["name"].edit, "钱五")
    good = make("420106", dt.date(1980, 1, 2), 41)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    qtbot.keyClicks(w["id_number"].edit, bad)
    assert "身份证号" in editor.banner.text()  # said while typing
    assert w["sex"].value() is None  # nothing filled from a bad number
    click(qtbot, w["sex"].buttons["2"])
    qtbot.keyClicks(w["birth_date"].edit, "1980-01-02")
    click(qtbot, editor.save_button)
    assert "身份证号：校验位错误" in editor.banner.text()
    assert "id_number" not in editor.banner.text()
    assert w["id_number"].edit.hasFocus()
    from app.services import residents

    assert db(lambda s: residents.count(s)) == 3


def test_duplicate_shown_before_saving_and_opened(qtbot, doctor):
    main, uuids = doctor
    editor = main.open_register()
    w = editor.editor.widgets
    # the same ID number as 张三: shown as soon as it is typed
    existing = db(lambda s: __import__("app.services.residents", fromlist=["x"]).get(s, uuids["张三"]))
    qtbot.keyClicks(w["id_number"].edit, existing["id_number"])
    qtbot.waitUntil(lambda: editor.duplicates.isVisible(), timeout=5000)
    assert "已经登记过" in editor.duplicates.findChildren(type(editor.banner))[0].text()
    w["id_number"].set_value(None)
    editor.duplicates.setVisible(False)
    # same name and birth date, no ID number: refused at save with the possible duplicate
    type_text(qtbot, w["name"].edit, "张三")
    click(qtbot, w["sex"].buttons["1"])
    qtbot.keyClicks(w["birth_date"].edit, "1958-04-12")
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: editor.duplicates.isVisible(), timeout=10000)
    screenshot(main, "34-duplicate")
    from app.services import residents

    assert db(lambda s: residents.count(s)) == 3
    click(qtbot, editor.duplicates.findChild(QPushButton, f"openDuplicate_{uuids['张三']}"))
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "residentView")
    assert main.tabs.currentWidget().uuid == uuids["张三"]


def test_htn_followup_invalid_then_valid_and_due_list(qtbot, doctor):
    main, uuids = doctor
    zhang = uuids["张三"]
    main.tabs.setCurrentWidget(main.due)
    qtbot.waitUntil(lambda: any(i["resident"]["uuid"] == zhang for i in main.due.items), timeout=5000)
    item = next(i for i in main.due.items if i["resident"]["uuid"] == zhang)
    assert item["kind"] == "htn_followup" and item["overdue"]
    screenshot(main, "40-due-list")
    view = main.open_resident(zhang)
    qtbot.waitUntil(lambda: bool(view.data))
    click(qtbot, view.buttons["htn_followup"])
    editor = main.tabs.currentWidget()
    assert editor.objectName() == "editor_htn_followup"
    w = editor.editor.widgets
    assert w["visit_date"].value() == dt.date.today().isoformat()
    qtbot.keyClicks(w["sbp"].edit, "400")
    qtbot.keyClicks(w["dbp"].edit, "90")
    click(qtbot, w["symptoms"].buttons["2"])
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "收缩压" in editor.banner.text() and "sbp" not in editor.banner.text()
    assert w["sbp"].edit.hasFocus()
    screenshot(main, "41-followup-invalid")
    assert len(records_of(zhang, "htn_followup")) == 1  # nothing saved
    w["sbp"].edit.clear()
    qtbot.keyClicks(w["sbp"].edit, "150")
    click(qtbot, w["classification"].buttons["2"])  # a final follow-up needs it (issue 11)
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: gone(main, editor), timeout=10000)
    saved = records_of(zhang, "htn_followup")
    assert len(saved) == 2 and saved[0]["doc"]["sbp"] == 150 and saved[0]["doc"]["symptoms"] == ["2"]
    qtbot.waitUntil(lambda: view.timeline.rowCount() == 2, timeout=5000)
    assert view.bp_chart.point_count() == 4
    screenshot(main, "42-resident-after-followup")
    main.tabs.setCurrentWidget(main.due)
    qtbot.waitUntil(lambda: not any(i["resident"]["uuid"] == zhang and i["kind"] == "htn_followup"
                                    for i in main.due.items), timeout=5000)  # fmt: skip


def test_round_list_prints_per_village(qtbot, doctor, tmp_path):
    """The round list is a PDF (forms/pdf/round_list.py) with column headings and blank
    columns for the results, shown in the preview to print."""
    main, _ = doctor
    main.tabs.setCurrentWidget(main.due)
    qtbot.waitUntil(lambda: len(main.due.items) >= 3, timeout=5000)
    screenshot(main, "43-due-list-reasons")
    click(qtbot, main.due.print_button)
    qtbot.waitUntil(lambda: main.due.preview is not None and main.due.preview.isVisible(), timeout=15000)
    out = tmp_path / "round.pdf"
    out.write_bytes(bytes(main.due.preview.pdf.data))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "随访名单" in text and "村（居）001" in text
    assert "张三" in text and "赵秀兰" in text and "王小明" not in text
    for heading in ("应随访日期", "逾期天数", "原因", "随访日期", "血压/血糖", "下次随访", "签名"):
        assert heading in text
    qtbot.wait(600)
    screenshot(main.due.preview, "44-round-list-preview")
    main.due.preview.close()


def test_save_and_next_round(qtbot, doctor):
    main, uuids = doctor
    from app.services import residents

    sun = db(lambda s: residents.add(s, {"name": "孙六", "sex": "1", "birth_date": "1966-08-08",
                                         "past_diseases": [{"code": "2"}]}))["uuid"]  # fmt: skip
    main.tabs.setCurrentWidget(main.due)
    main.due.kind.setCurrentIndex(main.due.kind.findData("htn"))  # the programme: follow-ups only
    qtbot.waitUntil(lambda: len(main.due.items) == 2 and all(
        i["kind"] == "htn_followup" for i in main.due.items), timeout=5000)  # fmt: skip
    order = [i["resident"]["uuid"] for i in main.due.items]
    assert set(order) == {uuids["张三"], sun}
    main.due.table.selectRow(0)
    click(qtbot, main.due.round_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_htn_followup")
    first = main.tabs.currentWidget()
    assert first.resident_uuid == order[0] and first.next_button.isVisible()
    qtbot.keyClicks(first.editor.widgets["sbp"].edit, "135")
    qtbot.keyClicks(first.editor.widgets["dbp"].edit, "85")
    click(qtbot, first.editor.widgets["classification"].buttons["1"])
    click(qtbot, first.next_button)
    qtbot.waitUntil(lambda: getattr(main.tabs.currentWidget(), "resident_uuid", None) == order[1],
                    timeout=10000)  # fmt: skip
    second = main.tabs.currentWidget()
    assert not second.next_button.isVisible()  # the last of the round
    assert gone(main, first)
    assert [r["doc"]["sbp"] for r in records_of(order[0], "htn_followup")][0] == 135


def test_draft_survives_closing_the_tab(qtbot, doctor):
    main, uuids = doctor
    view = main.open_resident(uuids["赵秀兰"])
    qtbot.waitUntil(lambda: bool(view.data))
    editor = main.open_editor(view.data.resident, "dm_followup")
    qtbot.keyClicks(editor.editor.widgets["fasting_glucose"].edit, "8.4")
    click(qtbot, editor.close_button)
    qtbot.waitUntil(lambda: gone(main, editor))
    main.actions_by_name["drafts"].trigger()
    drafts = main.dialogs["drafts"]
    qtbot.waitUntil(lambda: drafts.table.rowCount() == 1, timeout=5000)
    assert drafts.table.item(0, 0).text() == "赵秀兰"
    drafts.table.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_dm_followup", timeout=5000)
    again = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: again.editor.widgets["fasting_glucose"].value() == 8.4, timeout=5000)
    assert records_of(uuids["赵秀兰"], "dm_followup") == []


def test_card_print_preview_and_print(qtbot, doctor, tmp_path, monkeypatch):
    main, uuids = doctor
    view = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: bool(view.data))
    click(qtbot, view.buttons["card"])
    qtbot.waitUntil(lambda: "preview" in main.dialogs and main.dialogs["preview"].isVisible(), timeout=15000)
    preview = main.dialogs["preview"]
    assert preview.pdf.page_count() >= 1
    preview.resize(1000, 700)
    qtbot.wait(200)
    screenshot(preview, "50-card-preview")
    out = tmp_path / "card-printed.pdf"
    monkeypatch.setattr(printing, "ask_printer", pdf_printer(out))
    click(qtbot, preview.print_button)
    assert preview.printed == preview.pdf.page_count()
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+(\d+)", info).group(1) == str(preview.printed)

    def printed_entries(store):
        from app.services import audit

        return [e for e in audit.entries(store) if e["action"] == "print"]

    qtbot.waitUntil(lambda: len(db(printed_entries)) == 1, timeout=5000)


def test_merge_two_residents(qtbot, admin, monkeypatch):
    main, uuids = admin
    from app.services import residents

    dup = db(lambda s: residents.add(s, {"name": "张三", "sex": "1", "birth_date": "1958-04-12",
                                         "phone": "13800009999"}, allow_similar=True))["uuid"]  # fmt: skip
    main.residents.search_now()
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 4)
    view = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: bool(view.data))
    main.actions_by_name["merge"].trigger()
    dialog = main.dialogs["merge"]
    assert dialog.survivor.uuid() == uuids["张三"]
    type_text(qtbot, dialog.duplicate.query, "张三")
    qtbot.keyClick(dialog.duplicate.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.duplicate.choice.count() == 2)
    assert dialog.message.text() == ""  # Enter searched, it did not press 合并
    dialog.duplicate.choice.setCurrentIndex(dialog.duplicate.choice.findData(dup))
    screenshot(dialog, "60-merge")
    asked = []
    monkeypatch.setattr(errors, "confirm", lambda parent, text, title="": asked.append(text) or True)
    click(qtbot, dialog.merge_button)
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 3, timeout=10000)
    assert asked and "合并" in asked[0]
    assert db(lambda s: residents.get(s, dup))["uuid"] == uuids["张三"]  # redirect to survivor
    # opened by the duplicate's id: the survivor is shown, and the merge can be undone
    view = main.open_resident(dup)
    qtbot.waitUntil(lambda: bool(view.data) and view.merged_bar.isVisible(), timeout=5000)
    assert view.uuid == uuids["张三"]
    # one tab per person: the survivor's earlier tab gave way to the redirected one
    keys = [main.tabs.widget(i).property("tabKey") for i in range(main.tabs.count())]
    assert keys.count(f"resident:{uuids['张三']}") == 1 and f"resident:{dup}" not in keys
    assert main.tabs.currentWidget() is view
    click(qtbot, view.unmerge_button)
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 4, timeout=10000)
    assert db(lambda s: residents.get(s, dup))["uuid"] == dup


def test_household_filter_and_form_print(qtbot, doctor):
    main, uuids = doctor
    view = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: bool(view.data))
    click(qtbot, view.household_button)
    qtbot.waitUntil(lambda: main.residents.model.filters.get("household") is not None)
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 3)
    assert main.residents.household_button.isVisible()
    click(qtbot, main.residents.household_button)  # back to everyone
    qtbot.waitUntil(lambda: "household" not in main.residents.model.filters)
    main.tabs.setCurrentWidget(view)
    view.timeline.selectRow(0)
    click(qtbot, view.buttons["print_form"])
    qtbot.waitUntil(lambda: "preview" in main.dialogs, timeout=15000)
    assert main.dialogs["preview"].pdf.page_count() >= 1
    assert "高血压随访" in main.dialogs["preview"].windowTitle()


def test_household_rename_and_head_on_the_resident_view(qtbot, doctor):
    main, uuids = doctor
    view = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: bool(view.data))
    assert view.household_label.text() == "李家村1组" and not view.rename_button.isEnabled()
    view.household_label.clear()
    click(qtbot, view.rename_button)  # still disabled: nothing to save
    type_text(qtbot, view.household_label, "张三户")
    assert view.rename_button.isEnabled()
    click(qtbot, view.rename_button)
    qtbot.waitUntil(lambda: "家庭 张三户" in view.header.text(), timeout=5000)
    click(qtbot, view.head_button)
    qtbot.waitUntil(lambda: "户主 张三" in view.header.text(), timeout=5000)
    assert not view.head_button.isEnabled() and view.head_button.text() == "本人是户主"
    screenshot(view, "45-household")
    view.household_label.setText(" ")
    click(qtbot, view.rename_button)
    qtbot.waitUntil(lambda: view.household_message.isVisible())
    assert "户名" in view.household_message.text() and "不能为空" in view.household_message.text()
    other = main.open_resident(uuids["赵秀兰"])
    qtbot.waitUntil(lambda: bool(other.data))
    assert other.household_label.text() == "张三户" and other.head_button.isEnabled()
    texts = [other.household.item(i).text() for i in range(other.household.count())]
    assert any("张三" in x and "（户主）" in x for x in texts)
    screenshot(other, "46-household-member")

    def stored(store):
        from app.services import households

        return households.get(store, uuids["王小明"])

    got = db(stored)
    assert (got["label"], got["head_name"]) == ("张三户", "张三")


def test_filters_key_population_status_village(qtbot, doctor):
    main, uuids = doctor
    lst = main.residents
    lst.tag.setCurrentIndex(lst.tag.findData("htn"))
    qtbot.waitUntil(lambda: lst.model.rowCount() == 1 and lst.model.uuid_at(0) == uuids["张三"])
    lst.tag.setCurrentIndex(lst.tag.findData("65+"))
    qtbot.waitUntil(lambda: lst.model.rowCount() == 1)  # 张三 (born 1958); 赵秀兰 is 64
    lst.tag.setCurrentIndex(lst.tag.findData("dm"))
    qtbot.waitUntil(lambda: lst.model.rowCount() == 1 and lst.model.uuid_at(0) == uuids["赵秀兰"])
    lst.tag.setCurrentIndex(0)
    lst.village.setCurrentText("002")
    qtbot.waitUntil(lambda: lst.model.rowCount() == 0)
    assert lst.count_label.text() == "共 0 人"
    lst.village.setCurrentText("")
    lst.status.setCurrentIndex(lst.status.findData("moved"))
    qtbot.waitUntil(lambda: lst.model.filters.get("status") == "moved" and lst.model.rowCount() == 0)
