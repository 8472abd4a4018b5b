"""The DB worker: ops run off the GUI thread, stale searches are dropped, long jobs cancel."""

from __future__ import annotations

import threading
import time

import pytest

from ui import errors, tasks
from ui.qt import QPushButton, Qt, QWidget


@pytest.fixture
def worker():
    tasks.reset_worker()
    yield tasks.worker()
    tasks.reset_worker()


def test_op_runs_on_worker_thread_and_returns_on_gui_thread(qtbot, worker):
    seen = {}

    def fn(store):
        seen["fn"] = threading.current_thread()
        return 42

    def done(result):
        seen["cb"] = threading.current_thread()
        seen["result"] = result

    tasks.DbOp(None, fn).success(done).run()
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["fn"] is not threading.main_thread()
    assert seen["cb"] is threading.main_thread()
    assert seen["result"] == 42


def test_only_newest_keyed_result_arrives(qtbot, worker):
    gate = threading.Event()
    got = []
    ran = []
    tasks.DbOp(None, lambda s: gate.wait(5)).run()  # keep the worker busy
    for q in ["z", "zh", "zha"]:
        tasks.DbOp(None, lambda s, q=q: ran.append(q) or q).latest_only("search").success(
            got.append
        ).run()
    gate.set()
    qtbot.waitUntil(lambda: got == ["zha"])
    qtbot.wait(50)
    assert got == ["zha"]
    assert ran == ["zha"]  # queued stale searches never reach the database


def test_error_without_handler_shows_chinese_dialog(qtbot, worker, caplog):
    parent = QWidget()
    qtbot.addWidget(parent)
    before = len(errors.shown)

    def boom(store):
        raise RuntimeError("张三 110101199003071234")  # personal data must not be shown/logged

    tasks.DbOp(parent, boom).run()
    qtbot.waitUntil(lambda: len(errors.shown) > before)
    assert "意外错误" in errors.shown[-1]
    assert "张三" not in errors.shown[-1]
    # logged: what and where, never the message (it can quote a name or an ID number)
    assert "RuntimeError" in caplog.text and "test_tasks.py" in caplog.text
    assert "张三" not in caplog.text and "110101" not in caplog.text


def test_long_job_reports_progress_and_cancels(qtbot, worker):
    parent = QWidget()
    qtbot.addWidget(parent)
    steps = []
    done = []

    def job(store, state):
        for i in range(200):
            state.check()
            state.set_progress(i / 2, f"第 {i} 份")
            steps.append(i)
            time.sleep(0.005)
        return "finished"

    run = tasks.LongJob(parent, "批量打印", job).success(done.append).run()
    qtbot.waitUntil(lambda: len(steps) > 5)
    cancel = run.dialog.findChild(QPushButton)
    assert cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not worker.busy)
    assert done == []
    assert len(steps) < 200
