"""Robustness of the client process (issue 18): one client per data folder, a second start brings
the first forward; an unexpected error leaves a report without personal data and says where."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.ui.helpers import db
from ui import crash, errors, single
from ui.qt import Qt, QTimer, QWidget


def test_a_second_start_brings_the_first_forward(qtbot, tmp_path):
    data = tmp_path / "data"
    calls: list[int] = []
    first = single.claim(data, on_request=lambda: calls.append(1))
    assert first is not None
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
        second = subprocess.run([sys.executable, "-m", "ui", "--data-dir", str(data)], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert second.returncode == 0, second.stderr
        assert "已在运行" in second.stdout
        qtbot.waitUntil(lambda: bool(calls), timeout=10000)
        assert single.claim(data) is None  # still ours
    finally:
        first.release()
    again = single.claim(data)  # the lock goes with the process's file: free once released
    assert again is not None
    again.release()


def test_bring_forward_restores_a_minimized_window(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    window.setWindowState(Qt.WindowState.WindowMinimized)
    single.bring_forward()
    assert not window.windowState() & Qt.WindowState.WindowMinimized


@pytest.mark.qt_no_exception_capture
def test_crash_report_holds_no_personal_data(doctor, qtbot):
    from app.services import residents

    main, uuids = doctor
    data_dir = main.shell.data_dir
    person = db(lambda s: residents.get(s, uuids["张三"]))
    main.open_resident(uuids["张三"])
    secrets_shown = [person["name"], person["id_number"], person["phone"]]

    def fail_with_the_resident_in_hand() -> None:
        resident = dict(person)  # a local holding the data, as real code would have
        raise ValueError(f"cannot handle {resident['name']} {resident['id_number']} {resident['phone']}")

    crash.install(data_dir)
    try:
        before = len(errors.shown)
        QTimer.singleShot(0, fail_with_the_resident_in_hand)
        qtbot.waitUntil(lambda: any((data_dir / "logs").glob("crash-*.txt")), timeout=10000)
        qtbot.waitUntil(lambda: len(errors.shown) > before, timeout=5000)
    finally:
        crash.uninstall()
    [report] = list((data_dir / "logs").glob("crash-*.txt"))
    text = report.read_text("utf-8")
    assert "builtins.ValueError" in text and "fail_with_the_resident_in_hand" in text
    assert "version:" in text
    for folder, _dirs, files in os.walk(data_dir / "logs"):
        for name in files:
            content = (data_dir / "logs" / folder / name).read_bytes().decode("utf-8", "replace")
            for secret in secrets_shown:
                assert secret not in content, f"{name} holds personal data"
    message = errors.shown[-1]
    assert str(report) in message and "不含居民资料" in message


def test_a_data_folder_that_cannot_be_used_is_said_in_a_window(qtbot, tmp_path):
    from ui.launch import start_client
    from ui.qt import QApplication

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")  # a file where the data folder should be
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != "startProblem":
            QTimer.singleShot(50, read_and_close)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(50, read_and_close)
    assert start_client(["--data-dir", str(blocked / "data")]) == 1
    assert seen and str(blocked / "data") in seen[0] and "无法使用数据文件夹" in seen[0]
    # A staff account left out of the installer's group (root here cannot be refused, so the
    # error the system would raise is handed in): told how to be let in.
    from ui.launch import folder_problem

    text = folder_problem(blocked, PermissionError(13, "Permission denied"))
    assert "没有权限" in text and "CunyiUsers" in text and str(blocked) in text
