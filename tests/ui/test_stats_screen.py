"""The statistics screen (ui/stats_screen.py): indicators for a year, drill-down from a number to
its residents and into a resident, the population dialog, Excel export and print."""

from __future__ import annotations

import datetime as dt
import subprocess

from tests.ui.conftest import ADMIN
from tests.ui.helpers import click, screenshot, start_logged_in, type_text
from ui.qt import Qt

TODAY = dt.date.today()


def cell_click(qtbot, table, row, col, double=False):
    pos = table.visualItemRect(table.item(row, col)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    if double:  # a view takes a double click only on the index pressed before it, as a user's
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_stats_drill_down_population_export_print(qtbot, guard, installation, tmp_path):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.show()
    screen = main.open_stats()
    qtbot.waitUntil(lambda: len(screen.items) >= 16, timeout=10000)  # 8, 4 maternal, 3 children, health education, the issue-16 programmes
    codes = [i["code"] for i in screen.items]
    row = codes.index("htn_bp_control")
    bp = screen.items[row]
    # 张三 (HTN, 68): his only follow-up (200 days ago) was 150/95, not below 150/90
    in_year = (TODAY - dt.timedelta(days=200)).year == TODAY.year
    assert (bp["numerator"], bp["denominator"]) == (0, 1)
    usage = screen.items[codes.index("usage_rate")]
    assert (usage["numerator"], usage["denominator"]) == (1 if in_year else 0, 3)
    assert screen.table.item(row, 2).text() == "1"
    cell_click(qtbot, screen.table, row, 2)
    assert screen.residents.rowCount() == 1 and screen.residents.item(0, 1).text() == "张三"
    assert "分母" in screen.drill_title.text()
    screenshot(main, "70-stats-drill-down")
    cell_click(qtbot, screen.residents, 0, 1, double=True)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().property("tabKey") == f"resident:{uuids['张三']}",
                    timeout=5000)  # fmt: skip
    main.tabs.setCurrentWidget(screen)
    # the filing rate's denominator is the population, entered in the dialog
    filing = codes.index("filing_rate")
    cell_click(qtbot, screen.table, filing, 2)
    assert "常住人口" in screen.drill_title.text() and screen.residents.rowCount() == 0
    click(qtbot, screen.population_button)
    dialog = screen.population_dialog
    qtbot.waitUntil(dialog.isVisible)
    type_text(qtbot, dialog.village, "001")
    click(qtbot, dialog.save_button)  # 0 people: refused, naming the field
    qtbot.waitUntil(lambda: "常住人口数" in dialog.message.text(), timeout=5000)
    screenshot(dialog, "71-population-refused")
    dialog.count.setValue(120)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: screen.items[filing]["denominator"] == 120, timeout=5000)
    assert screen.table.item(filing, 3).text() == f"{100 * 3 / 120:.1f}"
    dialog.accept()
    screenshot(main, "72-stats-with-population")
    # export: the figures and the residents behind them
    target = tmp_path / "指标.xlsx"
    screen.export(str(target))
    qtbot.waitUntil(lambda: "已导出" in screen.message.text(), timeout=15000)
    from openpyxl import load_workbook

    wb = load_workbook(target)
    rows = list(wb["指标"].iter_rows(values_only=True))
    assert rows[1][:3] == ("代码", "指标", "分子") and len(rows) == 2 + len(screen.items)
    assert any(r[0] == "htn_bp_control" and r[2] == "分母" and r[4] == "张三" for r in wb["明细"].iter_rows(values_only=True))
    # print
    click(qtbot, screen.print_button)
    qtbot.waitUntil(lambda: screen.preview is not None and screen.preview.isVisible(), timeout=15000)
    pdf = tmp_path / "stats.pdf"
    pdf.write_bytes(bytes(screen.preview.pdf.data))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "健康档案建档率" in text and "管理人群血压控制率" in text and "120" in text
    qtbot.wait(600)
    screenshot(screen.preview, "73-stats-print-preview")
    screen.preview.close()
    # the audit log tells the population change and the export in words
    from app.services import readable
    from tests.ui.helpers import db
    from tests.ui.words import assert_plain

    rows = db(lambda st: readable.audit_rows(st))
    texts = [" ".join(str(v) for v in r.values()) for r in rows[:4]]  # newest first
    assert any("常住人口数：120" in t for t in texts) and any("统计指标" in t for t in texts)
    assert_plain(texts)
    shell.shutdown()


def test_bad_rules_table_reported_at_login(qtbot, guard, installation):
    """An administrator's rules.json with a bad interval: refused at login, naming the rule and
    the field; the due list then says the same instead of showing a wrong schedule."""
    import json

    from tests.ui.conftest import DOCTOR
    from ui import errors

    data_dir, _uuids = installation
    (data_dir / "rules.json").write_text(json.dumps(
        {"table": "本县", "extends": "ed2017", "override_rules": {"htn_followup": {"recheck_days": 0}}},
        ensure_ascii=False), "utf-8")  # fmt: skip
    before = len(errors.shown)
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    main.show()
    qtbot.waitUntil(lambda: any("htn_followup" in t for t in errors.shown[before:]), timeout=10000)
    text = next(t for t in errors.shown[before:] if "htn_followup" in t)
    assert "本县" in text and "recheck_days" in text and "正整数" in text
    from ui.qt import QApplication, QMessageBox

    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    screenshot(box, "74-bad-rules-table")
    box.close()
    shell.shutdown()
