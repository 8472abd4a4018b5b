"""Opening a resident's screen reads it in one transaction and writes one view entry to the
audit log; refreshing it (after a save, a sync) reads again in one transaction and writes none.
The charts find each measurement by the name its form definition gives it."""

from __future__ import annotations

from sqlalchemy import event

from app.services import audit, records
from tests.ui.helpers import db, screenshot


def _views(uuid: str) -> list[dict]:
    return [e for e in db(lambda s: audit.entries(s))
            if e["action"] == "view" and e["entity_uuid"] == uuid]  # fmt: skip


def _transactions(qtbot, view, action) -> int:
    """How many transactions `action` (which reloads `view`) begins on the database."""
    engine = db(lambda s: s.engine)
    begun = []

    def count(_conn) -> None:  # noqa: ANN001
        begun.append(1)

    event.listen(engine, "begin", count)
    try:
        before = view.data
        action()
        qtbot.waitUntil(lambda: view.data is not before, timeout=10000)
        db(lambda s: None)  # the worker has finished the reload
    finally:
        event.remove(engine, "begin", count)
    return len(begun)


def test_one_view_entry_per_screen_opened_and_none_per_refresh(qtbot, doctor):
    main, uuids = doctor
    zhang = uuids["张三"]
    view = main.open_resident(zhang)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    [entry] = _views(zhang)
    assert entry["detail"] == {"what": "screen", "records": 1, "household": 3}
    from app.services import readable
    from tests.ui.words import assert_plain

    [text] = [" ".join(str(v) for v in r.values()) for r in db(lambda s: readable.audit_rows(s))
              if r["action"] == "查看"][:1]  # fmt: skip
    assert "内容：居民档案页" in text and "家庭：3人" in text and "另一份档案" not in text, text
    assert_plain(text)

    # A refresh (as after a save): one transaction, no new entry.
    assert _transactions(qtbot, view, view.reload) == 1
    before = view.data
    main.refresh_resident(zhang)  # what a save calls (it also refreshes the list: other reads)
    qtbot.waitUntil(lambda: view.data is not before, timeout=10000)
    assert len(_views(zhang)) == 1

    # Opened again from the list: one more look, one more entry, still one transaction.
    assert _transactions(qtbot, view, lambda: main.open_resident(zhang)) == 1
    assert len(_views(zhang)) == 2


def test_charts_find_measurements_by_name(qtbot, doctor):
    main, uuids = doctor
    zhang = uuids["张三"]
    db(lambda s: records.add(s, zhang, "health_exam", {
        "visit_date": "2026-01-05", "sbp_left": 138, "dbp_left": 85, "sbp_right": 150,
        "dbp_right": 99, "weight_kg": 66.5, "height_cm": 170, "fasting_glucose": 6.4}))  # fmt: skip
    view = main.open_resident(zhang)
    qtbot.waitUntil(lambda: view.data is not None and len(view.data.records) == 2, timeout=10000)
    # The follow-up (sbp 150/95) and the exam's left arm (138/85), as the definitions name them.
    sbp, dbp = view.bp_chart.series
    assert sorted(v for _d, v in sbp.points) == [138.0, 150.0]
    assert sorted(v for _d, v in dbp.points) == [85.0, 95.0]
    assert [v for _d, v in view.glucose_chart.series[0].points] == [6.4]
    assert [v for _d, v in view.weight_chart.series[0].points] == [66.5]
    tabs = view.side_tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "趋势图"))
    screenshot(main, "resident-screen-charts")


def test_axis_ticks_keep_their_decimals():
    from ui.charts import nice_range, tick_text

    lo, hi = nice_range(6.4, 7.0)
    ticks = [tick_text(lo + (hi - lo) * i / 4) for i in range(5)]
    assert len(set(ticks)) == 5 and ticks[1] == "6.5"
    assert tick_text(140.0) == "140"


def test_every_view_a_result_names_refreshes_whoever_made_the_change(qtbot, doctor):
    # Renaming the household from one member's screen: the other member's open screen names
    # it too (the result lists every member; no screen tells another by hand).
    main, uuids = doctor
    zhang, zhao = uuids["张三"], uuids["赵秀兰"]
    other = main.open_resident(zhao)
    qtbot.waitUntil(lambda: other.data is not None, timeout=10000)
    view = main.open_resident(zhang)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    seen = other.data
    view.household_label.setText("张三户")
    view.rename_button.click()
    qtbot.waitUntil(lambda: other.data is not seen, timeout=10000)
    assert other.household_label.text() == "张三户"
    assert other.data.household_info["label"] == "张三户"

    # A record saved by a database call that no screen wired up: the resident's screen shows
    # it and the due list is read again when next shown.
    from ui.tasks import DbOp

    main.due.stale = False
    before = view.data
    DbOp(None, lambda s: records.add(s, zhang, "htn_followup", {
        "visit_date": "2026-11-20", "sbp": 128, "dbp": 82, "classification": "1"})).run()  # fmt: skip
    qtbot.waitUntil(lambda: view.data is not before, timeout=10000)
    assert any(r["form"] == "htn_followup" and r["visit_date"] == "2026-11-20"
               for r in view.data.records)  # fmt: skip
    assert main.due.stale
