"""Issue 16 on the desktop: the TCM questionnaire as a one-screen entry on a 1366x768 laptop
(digit keys answer and move on, the constitutions judged live, worked out by hand below); the
due list with the new items; the 严重精神障碍 / 肺结核 filters and forms offered only to the
roles that may see them."""

from __future__ import annotations

from tests.ui.conftest import ADMIN
from tests.ui.helpers import screenshot, start_logged_in
from tests.ui.test_main_geometry import TASKBAR_LAPTOP, in_view
from ui import tasks
from ui.qt import QApplication, QFrame, QGroupBox, QPushButton, Qt
from ui.window_geometry import initial_geometry


def test_tcm_on_one_screen_judged_as_it_is_filled(qtbot, guard, installation):
    from app.services import residents

    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    rect, _ = initial_geometry(TASKBAR_LAPTOP)
    main.showNormal()
    main.setGeometry(rect)
    resident = tasks.worker().run_sync(lambda s: residents.get(s, uuids["张三"]))  # 68 years old
    editor = main.open_editor(resident, "elderly_tcm")
    QApplication.processEvents()
    questions = editor.findChild(QGroupBox, "section_questions")
    live = editor.findChild(QFrame, "tcmLive")
    # the 33 questions, the live judgement and the save button on one screen, no scrolling
    assert in_view(questions, main) and in_view(live, main)
    scroller = editor.editor
    assert scroller.verticalScrollBar().value() == 0
    bottom = live.mapTo(scroller.viewport(), live.rect().bottomLeft()).y()
    assert bottom <= scroller.viewport().height(), (bottom, scroller.viewport().height())
    assert in_view(editor.findChild(QPushButton, "saveButton"), main)
    form = editor.editor

    def cell(key: str) -> str:
        return live.cells[key].text()

    # By hand: 气虚质 = q2 + q3 + q4 + q14; answers 3, 3, 3, 2 -> 11 -> 是 (>= 11)
    form.widgets["q1"].focus_input()
    answers = {n: "1" for n in range(1, 34)} | {2: "3", 3: "3", 4: "3", 14: "2"}
    for n in range(1, 15):
        qtbot.keyClick(QApplication.focusWidget(), getattr(Qt.Key, f"Key_{answers[n]}"))
    assert [form.widgets[f"q{n}"].value() for n in range(1, 15)] == [answers[n] for n in range(1, 15)]
    assert "11分" in cell("qixu") and "是" in cell("qixu") and "倾向是" not in cell("qixu")
    # 平和质 is judged against every other type: it waits for all 33
    assert "待全部作答" in cell("pinghe") or "已答" in cell("pinghe")
    assert "已答 14/33" in live.summary.text()
    for n in range(15, 34):
        qtbot.keyClick(QApplication.focusWidget(), getattr(Qt.Key, f"Key_{answers[n]}"))
    # 平和质 = q1 + (6-q2) + (6-q4) + (6-q5) + (6-q13) = 1 + 3 + 3 + 5 + 5 = 17, but 气虚质 11 > 8: 否
    assert "17分" in cell("pinghe") and "否" in cell("pinghe")
    assert "4分" in cell("yangxu") and "否" in cell("yangxu")
    assert "主要体质 <b>气虚质</b>" in live.summary.text()
    form.refresh_computed()
    assert form.widgets["qixu_score"].value() == 11 and form.widgets["qixu_result"].value() == "1"
    screenshot(main, "tcm-quick-entry-1366x728")
    # one answer changed: 气虚质 10 -> 倾向是, at once
    form.widgets["q14"].set_value("1")
    assert "10分" in cell("qixu") and "倾向是" in cell("qixu")
    shell.shutdown()


def test_due_list_and_filters_follow_the_role(qtbot, guard, installation):
    from app.services import records, users
    from app.store import Store
    from forms.examples import example
    from ui.form_chooser import FormChooser

    data_dir, uuids = installation
    store = Store.open(data_dir, *ADMIN)
    users.add(store, "hushi", "nurse", "nurse-pw-88")
    d = example("smi_supplement")
    records.add(store, uuids["王小明"], "smi_supplement", d, confirmed=True)
    store.close()
    for user, sees in ((ADMIN, True), (("hushi", "nurse-pw-88"), False)):
        shell, main = start_logged_in(qtbot, data_dir, *user)
        tags = [main.residents.tag.itemData(i) for i in range(main.residents.tag.count())]
        kinds = [main.due.kind.itemData(i) for i in range(main.due.kind.count())]
        assert ("smi" in tags and "tb" in tags) is sees and ("smi" in kinds) is sees
        resident = {"uuid": uuids["王小明"], "name": "王小明", "birth_date": "1995-01-20", "sex": "1",
                    "tags": ["smi"] if sees else []}  # fmt: skip
        chooser = FormChooser(resident, main, sensitive=sees)
        chooser.show_all.setChecked(True)
        assert ("smi_followup" in chooser.codes()) is sees and ("tb_followup" in chooser.codes()) is sees
        chooser.close()
        main.tabs.setCurrentWidget(main.due)
        main.due.range.setCurrentIndex(main.due.range.findData("next_month"))
        due_list = main.due
        qtbot.waitUntil(lambda d=due_list: not d.stale and d.table.model().rowCount() > 0, timeout=10000)
        labels = {main.due.model.items[i]["label"] for i in range(main.due.table.model().rowCount())}
        assert any(x.startswith("严重精神障碍随访") for x in labels) is sees
        assert "老年人中医体质辨识" in labels  # 张三 is 68
        if sees:
            screenshot(main, "due-list-programmes")
        shell.shutdown()


def test_resident_view_offers_the_sensitive_forms_by_role(qtbot, guard, installation):
    from app.services import records, users
    from app.store import Store
    from forms.examples import example

    data_dir, uuids = installation
    store = Store.open(data_dir, *ADMIN)
    users.add(store, "hushi", "nurse", "nurse-pw-88")
    records.add(store, uuids["王小明"], "smi_supplement", example("smi_supplement"), confirmed=True)
    store.close()
    for user, sees in ((ADMIN, True), (("hushi", "nurse-pw-88"), False)):
        shell, main = start_logged_in(qtbot, data_dir, *user)
        view = main.open_resident(uuids["王小明"])
        qtbot.waitUntil(lambda v=view: v.data is not None, timeout=10000)
        assert ("smi_followup" in view.form_actions and "tb_first_visit" in view.form_actions) is sees
        assert ("smi_supplement" in {r["form"] for r in view.data.records}) is sees
        assert ("smi" in view.data.resident["tags"]) is sees
        if not sees:
            screenshot(main, "resident-view-nurse-no-smi")
        shell.shutdown()
