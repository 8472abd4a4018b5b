"""A child's growth in the desktop client (issue 15): the editor fills 上/中/下 from the WHO
standards as the doctor types (and works it out again when the measurement changes, but keeps
a level the doctor chose), and the resident view shows the growth charts for a child only."""

from __future__ import annotations

import datetime as dt

import forms
from app.services import records, residents
from forms import growth
from forms.examples import example
from forms.model import ValidationContext
from tests.ui.helpers import db, screenshot
from ui.form_editor import FormEditor


def test_growth_editor_fills_levels_and_follows_the_measurement(qtbot):
    visit = dt.date.fromisoformat(example("child_1_8m")["visit_date"])
    birth = (visit - dt.timedelta(days=92)).isoformat()
    w = FormEditor(forms.get_form("child_1_8m"), ValidationContext(birth_date=birth, sex="2"))
    qtbot.addWidget(w)
    doc = {k: v for k, v in example("child_1_8m").items() if k not in growth.TARGETS}
    w.load(doc)
    w.refresh_computed()
    z = growth.zscores("2", 92, weight=doc["weight_kg"])["wfa"]
    assert w.widgets["weight_level"].value() == growth.default_rules().level(z)
    w.set_value("weight_kg", 3.6)  # far below -2 SD at 3 months
    w.refresh_computed()
    assert w.widgets["weight_level"].value() == "3"
    w.resize(1366, 700)
    w.show()
    screenshot(w, "growth-editor-levels")
    w.set_value("weight_level", "2")  # the doctor's judgement
    w.set_value("weight_kg", 3.5)
    w.refresh_computed()
    assert w.widgets["weight_level"].value() == "2"
    assert w.validate() == []


def test_growth_editor_correcting_a_saved_check(qtbot):
    """A saved level that the WHO standards gave follows a corrected weight; a level the doctor
    set otherwise stays."""
    visit = dt.date.fromisoformat(example("child_1_8m")["visit_date"])
    ctx = ValidationContext(birth_date=(visit - dt.timedelta(days=92)).isoformat(), sex="2")
    doc = {k: v for k, v in example("child_1_8m").items() if k not in growth.TARGETS}
    saved = forms.prepare("child_1_8m", dict(doc, weight_kg=3.6), ctx)
    assert saved["weight_level"] == "3"
    w = FormEditor(forms.get_form("child_1_8m"), ctx)
    qtbot.addWidget(w)
    w.load(dict(saved, height_level="1"))  # the doctor had judged the length 上 against 中
    w.set_value("weight_kg", 6.0)  # a typing error corrected
    w.set_value("height_cm", 61.0)
    w.refresh_computed()
    assert w.widgets["weight_level"].value() == "2"
    assert w.widgets["height_level"].value() == "1"


def _child(store, birth: dt.date) -> str:
    return residents.add(store, {"name": "李小宝", "sex": "2", "birth_date": birth.isoformat(),
                                 "household": "李家村1组"})["uuid"]  # fmt: skip


def test_growth_tab_for_a_child_with_points(qtbot, doctor):
    main, uuids = doctor
    birth = dt.date.today() - dt.timedelta(days=400)

    def visits(store):
        child = _child(store, birth)
        for slot, days, w, h, head in (("1", 30, 4.1, 53.5, 36.8), ("3", 95, 5.9, 60.2, 39.9),
                                       ("6", 185, 7.2, 65.8, 42.3), ("8", 245, 7.6, 68.9, 43.5)):
            doc = dict(slot=slot, visit_date=(birth + dt.timedelta(days=days)).isoformat(),
                       weight_kg=w, height_cm=h, head_cm=head)  # fmt: skip
            records.add(store, child, "child_1_8m", doc)
        records.add(store, child, "child_12_30m", dict(
            slot="12", visit_date=(birth + dt.timedelta(days=370)).isoformat(),
            weight_kg=8.3, height_cm=72.0))  # fmt: skip
        return child

    child = db(visits)
    saved = db(lambda s: records.list_for(s, child))
    assert all(r["doc"].get("weight_level") in ("1", "2", "3") for r in saved)  # filled on save
    view = main.open_resident(child)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    tabs = view.side_tabs
    assert tabs.isTabVisible(view.growth_tab)
    tabs.setCurrentIndex(view.growth_tab)
    panel = view.growth
    panel.select("wfa", 0)
    assert panel.chart.point_count() == 5
    assert panel.chart.data is not None and "女童 0～2岁" in panel.chart.data.title
    assert "评价" in panel.summary.text() or "Z评分" in panel.summary.text()
    screenshot(main, "resident-growth-wfa")
    panel.select("wflh", 0)
    assert panel.chart.point_count() == 5
    panel.select("hcfa", 0)
    assert panel.chart.point_count() == 4  # the 12～30月龄 sheet has no head circumference
    screenshot(main, "resident-growth-hcfa")

    # An adult has no growth tab.
    other = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: other.data is not None, timeout=10000)
    assert not other.side_tabs.isTabVisible(other.growth_tab)
