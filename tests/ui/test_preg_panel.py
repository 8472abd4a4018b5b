"""The resident view's 孕产期 tab (ui/pregnancy_panel.py): hidden for others, shown for a woman
with maternal records, with the week today, the expected date, the visits and their weeks, what
is due and the past pregnancy; its button starts the due form. Screenshot at 1366x768."""

from __future__ import annotations

import datetime as dt

from app.services import records, residents
from forms.idnumber import make
from tests.ui.helpers import click, db, screenshot

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def _woman(s) -> str:
    birth = dt.date(TODAY.year - 27, 5, 6)
    uuid = residents.add(s, {"name": "孙丽", "sex": "2", "birth_date": birth.isoformat(),
                             "id_number": make("420106", birth, 44), "household": "李家村1组"})["uuid"]  # fmt: skip
    add = lambda form, **doc: records.add(s, uuid, form, doc, confirmed=True)  # noqa: E731
    # a past pregnancy: registered, delivered, visited, closed at 42 days
    add("prenatal_first", visit_date=ago(900), lmp=ago(970))
    add("postpartum_visit", visit_date=ago(750), delivery_date=ago(755), discharge_date=ago(753))
    add("postpartum_42d", visit_date=ago(712), delivery_date=ago(755), outcome="1")
    # now: LMP 150 days ago (21+3 weeks), first exam at 10 weeks, the 2nd visit at 18 weeks
    add("prenatal_first", visit_date=ago(80), lmp=ago(150))
    add("prenatal_followup", visit_date=ago(24), visit_no=2, gest_weeks=18)
    return uuid


def _tab_index(view, name: str) -> int:
    tabs = view.side_tabs
    return next(i for i in range(tabs.count()) if tabs.tabText(i) == name)


def test_pregnancy_panel(qtbot, doctor):
    main, uuids = doctor
    other = main.open_resident(uuids["王小明"])
    qtbot.waitUntil(lambda: other.data is not None, timeout=10000)
    assert not other.side_tabs.isTabVisible(_tab_index(other, "孕产期"))

    uuid = db(_woman)
    view = main.open_resident(uuid)
    qtbot.waitUntil(lambda: view.data is not None and view.pregnancy.data is not None, timeout=15000)
    index = _tab_index(view, "孕产期")
    assert view.side_tabs.isTabVisible(index)
    view.side_tabs.setCurrentIndex(index)
    panel = view.pregnancy
    text = panel.current.text()
    assert "孕21周+3天" in text and "末次月经 " + ago(150) in text and "产前检查 2 次" in text
    assert [panel.visits.item(r, 2).text() for r in range(panel.visits.rowCount())] == ["孕10周", "孕18周"]
    assert "第3次产前随访" in panel.due.text() and "孕21～24周" in panel.due.text()
    assert "分娩" in panel.past.text() and ago(755) in panel.past.text()
    # within its window the visit is due, not late (the view's 待办 and the panel alike)
    assert "第3次产前随访" in view.due.text() and "逾期" not in view.due.text()
    assert "#c62828" not in panel.due.text()
    screenshot(main, "resident-pregnancy-panel")

    started = []
    panel.new_record.connect(started.append)
    opened = []
    view.new_record.connect(lambda _r, form: opened.append(form))
    assert panel.start.text() == "新增 第2～5次产前随访服务记录表"
    click(qtbot, panel.start)
    assert started == ["prenatal_followup"] and opened == ["prenatal_followup"]


def test_outcome_form_in_the_generated_editor(qtbot):
    import forms
    from forms.examples import example
    from forms.model import ValidationContext
    from ui.form_editor import FormEditor

    w = FormEditor(forms.get_form("pregnancy_outcome"), ValidationContext(birth_date="1998-01-01", sex="2"))
    qtbot.addWidget(w)
    w.resize(1366, 700)
    w.show()
    w.load(example("pregnancy_outcome") | {"outcome_date": "2024-03-20"})  # after the record date
    bad = w.validate()
    assert [e.key for e in bad] == ["visit_date"] and "结局日期" in bad[0].message
    w.set_value("outcome_date", "2024-03-15")
    assert w.validate() == []
    screenshot(w, "pregnancy-outcome-editor")
