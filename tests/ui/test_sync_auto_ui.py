"""Sync while the window is open: the status bar, the automatic run when the county platform comes
back, the lists refreshed by what came down, and closing the window in the middle of a run."""

from __future__ import annotations

import threading

from tests.sync.faultproxy import FaultProxy
from tests.sync.synchelp import add_residents, chinese_name, local_residents, server_residents
from tests.ui.helpers import click, screenshot
from tests.ui.syncuihelp import (  # noqa: F401 - fixtures
    close_client,
    county,
    installations,
    open_client,
    pending,
    status_text,
)


def test_status_bar_and_automatic_sync_when_the_server_comes_up(
    qtbot,
    guard,
    county,  # noqa: F811
    installations,  # noqa: F811
):
    township = county.township()
    clinic = installations(township + "001", county)
    neighbour = installations(township + "001", county)  # another computer of the same clinic
    add_residents(clinic.store, 3)
    port = county.port
    county.stop()
    clinic.close()
    try:
        shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=0.3, pull_minutes=0.005)
        main.resize(1366, 768)
        seen: list[str] = []
        main.sync.changed.connect(lambda: seen.append(status_text(main)))
        qtbot.waitUntil(lambda: status_text(main) == "未连接县平台｜待上传 3 条", timeout=10000)
        screenshot(main, "sync-10-offline-queue")
        qtbot.wait(1000)  # several probes while the server is down: still waiting, no error box
        assert status_text(main) == "未连接县平台｜待上传 3 条"
    finally:
        county.start(port)

    # the server is back: the queue empties without a click
    qtbot.waitUntil(lambda: main.sync.state.last_success is not None, timeout=20000)
    qtbot.waitUntil(lambda: status_text(main).startswith("上次同步 今天"), timeout=10000)
    assert "待上传" not in status_text(main)
    assert any(t.startswith("正在同步") for t in seen)
    assert len(server_residents(county, township + "001")) == 3
    screenshot(main, "sync-11-synced")

    # what another computer sends comes down by itself and shows in the list
    newcomer = chinese_name(400)
    add_residents(neighbour.store, 1, start=400)
    neighbour.sync()
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 4, timeout=20000)
    rows = [main.residents.model.index(i, 1) for i in range(4)]
    qtbot.waitUntil(lambda: newcomer in {main.residents.model.data(i) for i in rows}, timeout=5000)
    assert "县平台" in main.statusBar().currentMessage()
    close_client(shell)
    assert guard.on_worker > 0


def test_closing_the_window_mid_sync_stops_at_once_and_loses_nothing(
    qtbot,
    guard,
    county,  # noqa: F811
    installations,  # noqa: F811
):
    township = county.township()
    proxy = FaultProxy(county.port)
    clinic = installations(township + "001", county, url=proxy.url)
    uuids = add_residents(clinic.store, 30)
    clinic.close()
    # the server applies the push, but its answer never arrives (a 2G link at its worst)
    proxy.arm("/sync/push", 1, "hold_response")
    try:
        shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=0.2)
        qtbot.waitUntil(proxy.triggered.is_set, timeout=20000)
        qtbot.waitUntil(lambda: status_text(main).startswith("正在同步"), timeout=5000)
        screenshot(main, "sync-12-running")
        panel = main.open_sync()
        qtbot.waitUntil(lambda: "正在上传：0/30 条" in panel.progress_text.text(), timeout=5000)
        assert panel.cancel_button.isEnabled() and not panel.sync_button.isEnabled()
        screenshot(panel, "sync-13-panel-running")
        run = main.sync._run
        assert run is not None and not run.done()
        main.close()  # what the window's close button does; the proxy holds its answer 60 s
        assert main.sync.wait(20), "the run did not stop when the window closed"
        assert run.done()
        close_client(shell)
        # no thread of ours is left to keep the process from exiting
        qtbot.waitUntil(lambda: not [t for t in threading.enumerate()
                                     if t.name.startswith("cunyi-")], timeout=10000)  # fmt: skip
    finally:
        proxy.disarm()
    # nothing lost, nothing doubled: a new run converges
    from app.store import Store
    from tests.sync.synchelp import PASSWORD, USER

    store = Store.open(clinic.data_dir, USER, PASSWORD)
    try:
        assert pending(store) == 30  # the answer never came: still queued, replayed harmlessly
        from sync.client import SyncClient

        out = SyncClient(store).run()
        assert out["quarantined"] == 0 and pending(store) == 0
        on_server = server_residents(county, township + "001")
        assert set(on_server) == set(uuids)
        mine = local_residents(store)
        assert {u: mine[u]["name"] for u in uuids} == {u: on_server[u]["name"] for u in uuids}
    finally:
        store.close()
        proxy.close()


def test_lock_stops_a_run_and_unlock_resumes(qtbot, guard, county, installations):  # noqa: F811
    from tests.sync.synchelp import PASSWORD, USER
    from tests.ui.helpers import log_in

    township = county.township()
    proxy = FaultProxy(county.port)
    clinic = installations(township + "001", county, url=proxy.url)
    add_residents(clinic.store, 5)
    clinic.close()
    proxy.arm("/sync/push", 1, "hold_request")
    try:
        shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=0.2)
        qtbot.waitUntil(proxy.triggered.is_set, timeout=20000)
        run = main.sync._run
        main.lock()
        assert main.sync.wait(20), "locking did not stop the run"
        assert run.done()
        qtbot.wait(600)  # several probe intervals: nothing starts while locked
        assert main.sync._run is run
        proxy.disarm()
        log_in(qtbot, main.lock_panel, USER, PASSWORD)
        qtbot.waitUntil(lambda: not main.is_locked(), timeout=10000)
        qtbot.waitUntil(lambda: main.sync.state.last_result.get("pushed") == 5, timeout=20000)
        assert len(server_residents(county, township + "001")) == 5
        close_client(shell)
    finally:
        proxy.close()


def test_cancel_stops_the_run_and_automatic_runs_wait(qtbot, guard, county, installations):  # noqa: F811
    township = county.township()
    proxy = FaultProxy(county.port)
    clinic = installations(township + "001", county, url=proxy.url)
    add_residents(clinic.store, 5)
    clinic.close()
    proxy.arm("/sync/push", 1, "hold_request")
    try:
        shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=0.2)
        panel = main.open_sync()
        qtbot.waitUntil(proxy.triggered.is_set, timeout=20000)
        qtbot.waitUntil(panel.cancel_button.isEnabled, timeout=5000)
        run = main.sync._run
        click(qtbot, panel.cancel_button)
        assert main.sync.wait(20), "取消 did not stop the run"
        qtbot.waitUntil(lambda: "同步已停止" in panel.message.text(), timeout=5000)
        assert status_text(main) == "同步未完成｜待上传 5 条"
        screenshot(panel, "sync-15-panel-cancelled")
        proxy.disarm()
        qtbot.wait(1000)  # five probes: the server answers, yet nothing starts by itself
        assert main.sync._run is run
        click(qtbot, panel.sync_button)  # but 立即同步 does
        qtbot.waitUntil(lambda: main.sync.state.last_result.get("pushed") == 5, timeout=20000)
        assert len(server_residents(county, township + "001")) == 5
        close_client(shell)
    finally:
        proxy.close()


def test_never_two_runs_at_once(qtbot, guard, county, installations):  # noqa: F811
    from sync.client import single_flight

    township = county.township()
    clinic = installations(township + "001", county)
    add_residents(clinic.store, 2)
    clinic.close()
    shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=100000, settle_seconds=100000)
    qtbot.waitUntil(lambda: main.sync.state.enrolled, timeout=10000)
    qtbot.waitUntil(lambda: main.sync.state.last_result.get("pushed") == 2, timeout=20000)
    from app.store import Store
    from tests.sync.synchelp import PASSWORD, USER

    store = Store.open(clinic.data_dir, USER, PASSWORD)
    add_residents(store, 1, start=50)
    store.close()
    runs = set()
    main.sync.changed.connect(
        lambda: runs.add(id(main.sync._run)) if main.sync.state.running else None
    )
    panel = main.open_sync()
    with single_flight(clinic.data_dir):  # e.g. `cunyi sync` running in a terminal
        panel.sync_button.click()
        panel.sync_button.click()  # a second click while the first is going does nothing
        qtbot.waitUntil(lambda: "另一个同步正在进行" in panel.message.text(), timeout=20000)
    assert len(runs) == 1
    assert len(server_residents(county, township + "001")) == 2
    panel.sync_button.click()
    qtbot.waitUntil(lambda: len(server_residents(county, township + "001")) == 3, timeout=20000)
    close_client(shell)


def test_a_refused_device_backs_off_and_says_why(qtbot, guard, county, installations):  # noqa: F811
    from sync import local
    from sync.server import admin

    township = county.township()
    clinic = installations(township + "001", county)
    add_residents(clinic.store, 1)
    with clinic.store.session() as s:
        device = local.get_state(s, "device_id")
    with county.sessions() as s, s.begin():
        admin.revoke_device(s, device)
    clinic.close()
    shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=0.1)
    runs = set()
    main.sync.changed.connect(
        lambda: runs.add(id(main.sync._run)) if main.sync.state.running else None
    )
    qtbot.waitUntil(lambda: main.sync.state.error is not None, timeout=20000)
    assert "重新注册" in main.sync.state.error
    qtbot.wait(1500)  # fifteen probes: the server answers, but no new run before the back-off
    assert len(runs) == 1
    assert status_text(main) == "同步未完成｜待上传 1 条"
    panel = main.open_sync()
    assert "重新注册" in panel.message.text() and panel.message.isVisible()
    screenshot(main, "sync-14-refused")
    close_client(shell)


DRIVER = """
import sys
from pathlib import Path

from ui.app import make_application
from ui.qt import QTimer
from ui.shell import Shell

data_dir, close_flag = Path(sys.argv[1]), Path(sys.argv[2])
app = make_application()
shell = Shell(data_dir)
shell.freeze_heap = True
login = shell.start()
login.user.setCurrentText("admin")
login.password.setText("secret123")
login.submit()

def poll():
    if close_flag.exists() and shell.main is not None:
        print("RUNNING" if shell.main.sync.state.running else "IDLE", flush=True)
        shell.main.close()  # the window's close button; the app quits with its last window

timer = QTimer()
timer.timeout.connect(poll)
timer.start(50)
code = app.exec()
shell.backup_on_exit()
shell.shutdown()
print("EXITED", code, flush=True)
"""


def test_the_process_exits_at_once_when_closed_mid_sync(county, installations, tmp_path):  # noqa: F811
    """The real sequence of ui/app.py in its own process: closing the window while a response is
    held (60 s) must end the process, including the interpreter's wait for worker threads."""
    import os
    import subprocess
    import sys

    from tests.sync.synchelp import ROOT

    township = county.township()
    proxy = FaultProxy(county.port)
    clinic = installations(township + "001", county, url=proxy.url)
    add_residents(clinic.store, 10)
    clinic.close()
    proxy.arm("/sync/push", 1, "hold_response")
    flag = tmp_path / "close-now"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "CUNYI_SYNC_PROBE_SECONDS": "0.2"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(clinic.data_dir), str(flag)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert proxy.triggered.wait(60), "the client never started its sync"
        flag.touch()
        out, err = proc.communicate(timeout=40)  # a hang detector: the proxy holds for 60 s
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.disarm()
        proxy.close()
    assert "RUNNING" in out and "EXITED 0" in out, err[-2000:]
