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
