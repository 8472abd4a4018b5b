"""The health education screen (ui/activities.py, issue 16): reached from the main window's
toolbar, a year's activities with the count against the requirement, a new activity typed in the
generated editor (refused naming the field, then saved), voided with a reason (kept and marked),
printed to a preview. Screenshots at 1366x768 with CUNYI_SCREENSHOTS."""

from __future__ import annotations

import datetime as dt

from tests.ui.helpers import click, db, screenshot, type_text

TODAY = dt.date.today()


def test_log_add_refuse_void_print(qtbot, doctor) -> None:
    main, _uuids = doctor
    main.actions_by_name["activities"].trigger()
    screen = main.tabs.currentWidget()
    assert screen.objectName() == "activitiesScreen" and main.tabs.tabText(main.tabs.currentIndex()) == "健康教育"
    qtbot.waitUntil(lambda: bool(screen.figures), timeout=10000)
    assert screen.table.rowCount() == 0
    assert "健康知识讲座 0次" in screen.summary.text().replace("<b>", "").replace("</b>", "")

    click(qtbot, screen.add_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_health_education", timeout=5000)
    editor = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: editor.editor.widgets["filled_by"].value() == "张医生", timeout=5000)
    assert editor.editor.widgets["visit_date"].value() == TODAY.isoformat()
    type_text(qtbot, editor.editor.widgets["topic"].edit, "合理用药")
    editor.editor.set_value("activity_kind", "4")
    editor.editor.set_value("organizer", "李家村卫生室")
    editor.editor.set_value("participants", 25)
    editor.editor.set_value("content", "讲解慢性病规律服药的重要性。")
    click(qtbot, editor.save_button)  # no place yet: refused, naming the field
    qtbot.waitUntil(lambda: "活动地点" in editor.banner.text(), timeout=5000)
    screenshot(main, "160-activity-refused")
    type_text(qtbot, editor.editor.widgets["place"].edit, "村委会会议室")
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget() is screen, timeout=10000)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    assert screen.table.item(0, 2).text() == "合理用药" and screen.table.item(0, 6).text() == "有效"

    def more(store):  # a year's worth of other activities, for the list and the count
        from app.services import activities
        from forms.examples import example

        for i, (kind, extra) in enumerate((("1", {"material_kinds": 4}), ("3", {}), ("3", {}), ("2", {"material_kinds": 2}))):
            day = (TODAY - dt.timedelta(days=10 * (i + 1))).isoformat() if (TODAY - dt.timedelta(days=40)).year == TODAY.year \
                else TODAY.isoformat()  # fmt: skip
            doc = {**example("health_education"), "visit_date": day, "filled_date": day, "activity_kind": kind,
                   "topic": ["慢病防治折页", "春季宣传栏", "夏季宣传栏", "控烟视频"][i], **extra}  # fmt: skip
            doc.pop("participants")
            activities.add(store, doc)

    db(more)
    screen.refresh()
    qtbot.waitUntil(lambda: screen.table.rowCount() == 5, timeout=10000)
    row = next(r for r in range(5) if screen.table.item(r, 2).text() == "春季宣传栏")
    screen.table.selectRow(row)
    click(qtbot, screen.void_button)
    assert screen.void_box.isVisible()
    click(qtbot, screen.void_box.ok)  # no reason: refused, naming it
    qtbot.waitUntil(lambda: "作废原因" in screen.message.text(), timeout=5000)
    type_text(qtbot, screen.void_box.reason, "与夏季宣传栏重复")
    click(qtbot, screen.void_box.ok)
    qtbot.waitUntil(lambda: any(screen.table.item(r, 6).text() == "作废：与夏季宣传栏重复" for r in range(5)),
                    timeout=10000)  # fmt: skip
    assert screen.table.rowCount() == 5  # kept in the list
    text = screen.summary.text().replace("<b>", "").replace("</b>", "")
    assert "更换宣传栏 1次" in text and "发放印刷资料 4种" in text and "健康知识讲座 1次" in text
    screenshot(main, "161-activities-year")

    # a voided activity opens read-only, saying why
    screen.table.selectRow(next(r for r in range(5) if screen.table.item(r, 6).text().startswith("作废")))
    click(qtbot, screen.open_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_health_education", timeout=5000)
    viewer = main.tabs.currentWidget()
    assert viewer.read_only and not viewer.edit_button.isVisible() and "与夏季宣传栏重复" in viewer.banner.text()
    main.close_widget(viewer)
    main.tabs.setCurrentWidget(screen)

    click(qtbot, screen.print_button)
    qtbot.waitUntil(lambda: screen.preview is not None and screen.preview.isVisible(), timeout=30000)
    screenshot(screen.preview, "162-activities-print-preview")

    def printed(store):
        from sqlalchemy import select

        from app.db.models import Audit

        with store.session() as s:
            return [a.detail for a in s.scalars(select(Audit).where(Audit.action == "print", Audit.entity == "activity"))]

    assert any('"count": 5' in d for d in db(printed))


def test_an_unsaved_activity_comes_back_from_my_drafts(qtbot, doctor) -> None:
    main, _uuids = doctor
    screen = main.open_activities()
    click(qtbot, screen.add_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_health_education", timeout=5000)
    editor = main.tabs.currentWidget()
    type_text(qtbot, editor.editor.widgets["topic"].edit, "控烟宣传")
    click(qtbot, editor.close_button)  # closing keeps what was typed
    qtbot.waitUntil(lambda: main.tabs.currentWidget() is screen, timeout=5000)

    def mine(store):
        from app.services import drafts

        return drafts.list_mine(store)

    qtbot.waitUntil(lambda: len(db(mine)) == 1, timeout=5000)
    dialog = main.open_drafts()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    texts = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount()) if dialog.table.item(0, c)]
    assert any("本机构的活动记录" in t for t in texts), texts
    dialog.table.selectRow(0)
    click(qtbot, dialog.open_button)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "editor_health_education", timeout=5000)
    again = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: again.editor.widgets["topic"].value() == "控烟宣传", timeout=5000)
