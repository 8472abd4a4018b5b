"""Import and export of residents in the window (issue 11): progress, cancel, per-line errors in
Chinese, files read back, the audit trail. A real encrypted installation, real files."""

from __future__ import annotations

import csv
import datetime as dt
import os
import threading

import pytest

from forms.idnumber import make
from tests.ui.helpers import click, db, screenshot, start_logged_in
from ui import tasks
from ui.qt import QPushButton


def count_residents():
    from app.services import residents

    return db(lambda s: residents.count(s))


def audit_of(action):
    from app.services import audit

    return [e for e in db(lambda s: audit.entries(s)) if e["action"] == action]


def test_import_csv_from_the_menu_with_errors_per_line(qtbot, doctor, tmp_path):
    main, uuids = doctor
    zhang_id = db(lambda s: __import__("app.services.residents", fromlist=["x"]).get(s, uuids["张三"]))["id_number"]
    good = make("420106", dt.date(1970, 3, 4), 51)
    bad = make("420106", dt.date(1985, 1, 1), 52)
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    path = tmp_path / "村民名单.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "性别", "出生日期", "身份证号", "本人电话", "备注栏"])
        w.writerow(["孙七", "男", "1970-03-04", good, "13911112222", ""])
        w.writerow(["周八", "女", "1980-13-01", "", "", ""])
        w.writerow(["吴九", "女", "1985-01-01", bad, "", ""])
        w.writerow(["张三", "男", "1958-04-12", zhang_id, "", ""])
    main.actions_by_name["import"].trigger()
    dialog = main.dialogs["import"]
    dialog.path.setText(str(path))
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert "导入 1 人" in dialog.summary.text() and "已登记过 1 人" in dialog.summary.text()
    rows = [[dialog.problems.item(r, c).text() for c in range(3)] for r in range(dialog.problems.rowCount())]
    assert ["1", "备注栏", "不认识的列，已忽略"] in rows
    assert any(r[0] == "3" and r[1] == "出生日期" for r in rows)  # 周八: the line of the file
    assert any(r[0] == "4" and r[1] == "身份证号" and "校验位" in r[2] for r in rows)  # 吴九
    assert any(r[0] == "5" and "未重复导入" in r[2] for r in rows)  # 张三 again
    screenshot(dialog, "120-import-report")
    assert count_residents() == 4
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 4, timeout=5000)  # the list shows 孙七
    assert audit_of("import")[-1]["detail"]["imported"] == 1


def test_import_xlsx(qtbot, doctor, tmp_path):
    from openpyxl import Workbook

    main, _ = doctor
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "出生日期", "身份证号"])
    ws.append(["郑十", "男", dt.datetime(1966, 8, 8), make("420106", dt.date(1966, 8, 8), 61)])
    ws.append(["", "", "", ""])
    ws.append(["冯一", "", "1990-02-02", ""])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    dialog = main.open_import()
    dialog.path.setText(str(path))
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert dialog.report["imported"] == 1 and dialog.report["failed"] == 1
    assert dialog.problems.item(0, 0).text() == "4" and dialog.problems.item(0, 1).text() == "性别"
    assert count_residents() == 4


def test_import_of_an_unreadable_file_says_why(qtbot, doctor, tmp_path):
    main, _ = doctor
    path = tmp_path / "名单.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    dialog = main.open_import()
    dialog.path.setText(str(path))
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=10000)
    assert ".xlsx" in dialog.message.text() and dialog.start_button.isEnabled()
    assert count_residents() == 3


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_from_the_menu_is_audited_and_reads_back(qtbot, doctor, tmp_path, fmt):
    main, uuids = doctor
    main.actions_by_name["export"].trigger()
    dialog = main.dialogs["export"]
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    out = tmp_path / f"导出.{fmt}"
    dialog.path.setText(str(out))
    screenshot(dialog, f"121-export-{fmt}")
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20000)
    assert dialog.result["residents"] == 3 and "已导出 3 人" in dialog.message.text()
    assert os.stat(out).st_mode & 0o077 == 0  # readable by its owner only
    zhang = db(lambda s: __import__("app.services.residents", fromlist=["x"]).get(s, uuids["张三"]))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    else:
        with out.open(encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    header = list(rows[0])
    by_name = {r[header.index("name")]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "赵秀兰", "王小明"}
    assert by_name["张三"][header.index("id_number")] == zhang["id_number"]  # whole, as text
    [entry] = audit_of("export")
    assert entry["detail"] == {"format": fmt, "residents": 3, "records": 0}


def test_cancelled_export_leaves_no_file(qtbot, doctor, tmp_path, monkeypatch):
    from app.services import export

    main, _ = doctor
    monkeypatch.setattr(export, "PROGRESS_EVERY", 1)
    dialog = main.open_export()
    out = tmp_path / "导出.csv"
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.path.setText(str(out))
    gate = threading.Event()
    tasks.worker().submit(lambda _s: gate.wait(10), lambda _r: None, lambda _e: None)  # hold the worker
    click(qtbot, dialog.start_button)
    cancel = next(b for b in dialog.job.dialog.findChildren(QPushButton) if b.text() == "取消")
    cancel.click()  # the doctor presses 取消 before it gets going
    gate.set()
    qtbot.waitUntil(lambda: not tasks.worker().busy, timeout=10000)
    assert not out.exists() and dialog.result is None and audit_of("export") == []
    assert dialog.start_button.isEnabled()


def test_a_nurse_has_no_import_or_export(qtbot, guard, installation):
    from app.services import users
    from app.store import Store
    from tests.ui.conftest import ADMIN

    data_dir, _ = installation
    store = Store.open(data_dir, *ADMIN)
    users.add(store, "nurse1", "nurse", "secret3-pw", display_name="王护士")
    store.close()
    shell, main = start_logged_in(qtbot, data_dir, "nurse1", "secret3-pw")
    try:
        assert not main.actions_by_name["import"].isEnabled()
        assert not main.actions_by_name["export"].isEnabled()
    finally:
        shell.shutdown()


def test_cancelled_import_keeps_whole_batches_and_can_be_run_again(qtbot, doctor, tmp_path, monkeypatch):
    from app.services import importer

    main, _ = doctor
    monkeypatch.setattr(importer, "BATCH", 1)
    path = tmp_path / "名单.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "性别", "出生日期"])
        w.writerows([["孙七", "男", "1970-03-04"], ["周八", "女", "1980-01-01"], ["吴九", "女", "1985-01-01"]])
    dialog = main.open_import()
    dialog.path.setText(str(path))
    gate = threading.Event()
    tasks.worker().submit(lambda _s: gate.wait(10), lambda _r: None, lambda _e: None)  # hold the worker
    click(qtbot, dialog.start_button)
    cancel = next(b for b in dialog.job.dialog.findChildren(QPushButton) if b.text() == "取消")
    cancel.click()
    gate.set()
    qtbot.waitUntil(lambda: not tasks.worker().busy, timeout=10000)
    assert dialog.report is None and dialog.start_button.isEnabled()
    assert count_residents() == 4  # the first batch (one row) stays, the rest did not start
    click(qtbot, dialog.start_button)  # again: only the rest is added
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert dialog.report["imported"] == 2 and dialog.report["present"] == 1
    assert count_residents() == 6
