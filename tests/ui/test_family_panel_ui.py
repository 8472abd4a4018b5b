"""Mother and child on the desktop (issue 15): 登记新生儿 from the mother's view opens the register
form with the name 母亲姓名+之男/之女 offered (no ID number), the baby joins her household, the
child's view shows its mother (a button that opens her) and hers lists the child. The 0-6岁
filter of the list finds the baby."""

from __future__ import annotations

import datetime as dt

from tests.ui.helpers import click, screenshot
from ui.resident_view import ResidentView


def _view(qtbot, main, uuid) -> ResidentView:
    view = main.open_resident(uuid)
    qtbot.waitUntil(lambda: view.data is not None and view.data.resident["uuid"] == uuid, timeout=10000)
    return view


def test_register_a_newborn_from_the_mother_and_follow_the_links(qtbot, doctor):
    main, uuids = doctor
    mum = _view(qtbot, main, uuids["赵秀兰"])
    assert mum.family.isVisible() and mum.family.newborn_button.isVisible()
    assert not mum.family.children.isVisible()  # no child yet
    man = _view(qtbot, main, uuids["张三"])
    assert not man.family.isVisible()  # a man has no 登记新生儿, no mother recorded: no panel
    mum = _view(qtbot, main, uuids["赵秀兰"])
    click(qtbot, mum.family.newborn_button)
    editor = main.tabs.currentWidget()
    assert editor.newborn_of["uuid"] == uuids["赵秀兰"] and "无需身份证号" in editor.newborn_note.text()
    w = editor.editor.widgets
    assert w["name"].value() in (None, "")  # no sex chosen yet: nothing offered
    click(qtbot, w["sex"].buttons["2"])
    assert w["name"].value() == "赵秀兰之女"
    click(qtbot, w["sex"].buttons["1"])
    assert w["name"].value() == "赵秀兰之男"  # the offer follows the sex until the doctor types
    w["birth_date"].set_value((dt.date.today() - dt.timedelta(days=3)).isoformat())
    assert "与母亲同户" in editor.household.placeholderText()
    screenshot(main, "60-register-newborn")
    editor.save()
    qtbot.waitUntil(lambda: editor.new_uuid is not None, timeout=10000)
    kid_uuid = editor.new_uuid
    kid = _view(qtbot, main, kid_uuid)
    r = kid.data.resident
    assert (r["name"], r["id_number"], r["mother"]) == ("赵秀兰之男", None, uuids["赵秀兰"])
    assert r["household_label"] == "李家村1组"  # her household
    assert kid.family.mother_button.isVisible() and "赵秀兰" in kid.family.mother_button.text()
    assert not kid.family.newborn_button.isVisible()
    assert "0-6岁儿童" in kid.header.text()
    screenshot(main, "61-child-view-mother")
    click(qtbot, kid.family.mother_button)
    qtbot.waitUntil(lambda: isinstance(main.tabs.currentWidget(), ResidentView)
                    and main.tabs.currentWidget().uuid == uuids["赵秀兰"], timeout=10000)  # fmt: skip
    mum = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: mum.family.children.count() == 1, timeout=10000)
    assert mum.family.children.item(0).text().startswith("赵秀兰之男")
    screenshot(main, "62-mother-view-children")
    # the list's 0-6岁 filter
    main.tabs.setCurrentWidget(main.residents)
    tag = main.residents.tag
    tag.setCurrentIndex(tag.findData("0-6"))
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 1, timeout=10000)
    screenshot(main, "63-list-0-6")


def test_due_list_child_programme(qtbot, doctor):
    from app.services import residents
    from ui import tasks

    main, _uuids = doctor
    born = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    tasks.worker().run_sync(lambda s: residents.add(s, {"name": "钱小宝", "sex": "1", "birth_date": born}))
    main.tabs.setCurrentWidget(main.due)
    kind = main.due.kind
    kind.setCurrentIndex(kind.findData("child"))
    main.due.refresh()
    qtbot.waitUntil(lambda: [i["resident"]["name"] for i in main.due.items] == ["钱小宝"], timeout=10000)
    [item] = main.due.items
    assert item["item"] == "儿童健康检查（满月）" and item["overdue_days"] == 10
    assert "逾期 1 项" in main.due.count.text()
    screenshot(main, "64-due-child")


def test_live_births_entered_from_the_stats_screen(qtbot, guard, installation):
    from tests.ui.conftest import ADMIN
    from tests.ui.helpers import start_logged_in, type_text

    data_dir, _uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    try:
        main.show()
        screen = main.open_stats()
        qtbot.waitUntil(lambda: len(screen.items) >= 16, timeout=10000)
        codes = [i["code"] for i in screen.items]
        nb = codes.index("newborn_visit")
        assert screen.items[nb]["denominator"] == 0 and "未录入年度活产数" in screen.items[nb]["note"]
        click(qtbot, screen.births_button)
        dialog = screen.births_dialog
        qtbot.waitUntil(dialog.isVisible)
        assert dialog.windowTitle() == "年度活产数"
        from ui.qt import QLabel

        assert "活产数" in [w.text() for w in dialog.findChildren(QLabel)]
        type_text(qtbot, dialog.village, "001")
        dialog.count.setValue(4)
        click(qtbot, dialog.save_button)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
        assert dialog.table.item(0, 2).text() == "4"
        qtbot.waitUntil(lambda: screen.items[nb]["denominator"] == 4, timeout=5000)
        screenshot(dialog, "65-births-dialog")
        dialog.accept()
        assert "录入的年度活产数" in screen.items[nb]["note"]
    finally:
        shell.shutdown()
