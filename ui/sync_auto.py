"""The client's side of sync while the window is open: the status everyone shows, a periodic
reachability probe, a sync started by itself when the county server answers and there is work,
back-off after a failure, and a clean stop on lock, logout and exit.

A run goes to the network pool and opens the installation a second time (sync/background.py), so
the DB worker keeps answering the doctor during a long first download; the GUI thread only ever
receives small state updates.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ui.qt import QObject, QTimer, Signal, isValid, tr
from ui.tasks import DbOp, worker

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger("cunyi.ui.sync")


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class SyncState:
    enrolled: bool = False
    server: str | None = None
    ca_cert: str | None = None
    institution: dict[str, Any] | None = None  # as the county knows this installation
    queue: int = 0
    quarantined: int = 0
    conflicts: int = 0
    last_success: str | None = None
    reachable: bool | None = None  # None: not probed yet
    running: bool = False
    phase: str = ""
    done: int = 0
    total: int | None = None
    error: str | None = None
    last_result: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int | None:
        """Known while uploading (the queue length is known); a download's size is not."""
        if not self.running or self.phase not in ("start", "push") or not self.total:
            return None
        return min(99, int(self.done * 100 / self.total))


class SyncController(QObject):
    changed = Signal()  # state or progress changed: views read .state
    finished = Signal(dict)  # a run ended with these counts

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = SyncState()
        self.probe_seconds = _env("CUNYI_SYNC_PROBE_SECONDS", 60)
        self.settle_seconds = _env("CUNYI_SYNC_SETTLE_SECONDS", 10)  # after a save
        self.pull_minutes = _env("CUNYI_SYNC_PULL_MINUTES", 30)
        self.cancel_pause = 30 * 60.0  # seconds without automatic runs after 取消
        self.auto = os.environ.get("CUNYI_SYNC_AUTO", "1") != "0"  # off: only 立即同步 runs
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.probe)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.probe)
        self._paused = True
        self._opener: Any = None
        self._stops: set[Any] = set()  # StopSignal of every probe/run in flight
        self._run: Future | None = None
        self._probing = False
        self._asked = False  # 立即同步 was pressed: run after the probe whatever the checks say
        self._failures = 0
        self._not_before = 0.0  # monotonic: no automatic run before this (back-off)

    def set_auto(self, on: bool) -> None:
        """The installation's setting; CUNYI_SYNC_AUTO=0 keeps it off whatever the setting says."""
        self.auto = on and os.environ.get("CUNYI_SYNC_AUTO", "1") != "0"

    # --- life cycle (the main window calls these)
    def begin(self) -> None:
        self._paused = False
        self._opener = None
        self._timer.start(int(self.probe_seconds * 1000))
        self.refresh(probe=True)

    def pause(self) -> None:
        """Lock, logout, exit: stop probing and stop a run in flight (it resumes next time)."""
        self._paused = True
        self._timer.stop()
        self._soon.stop()
        for stop in list(self._stops):
            stop.stop()

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Pause and wait for a run to end; True when nothing is left running."""
        self.pause()
        return self.wait(timeout)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait for the run in flight (any thread: a restore waits on the DB worker)."""
        run = self._run
        if run is None:
            return True
        try:
            run.result(timeout)
        except FutureTimeout:
            log.warning("sync run still busy at shutdown")
            return False
        except Exception:  # noqa: BLE001 - its error was (or will be) reported; we only wait
            pass
        return True

    # --- status
    def refresh(self, probe: bool = False) -> None:
        if self._paused:
            return  # locked or closing: the session may be gone; begin() reads it again
        from sync.status_rows import load_status

        def apply(st: dict[str, Any]) -> None:
            s = self.state
            s.enrolled, s.server, s.ca_cert = bool(st["enrolled"]), st["server"], st["ca_cert"]
            s.queue, s.quarantined, s.conflicts = st["queue"], st["quarantined"], st["conflicts"]
            s.last_success, s.institution = st["last_success"], st["institution_remote"]
            self.changed.emit()
            if probe:
                self.probe()

        DbOp(self, load_status).success(apply).failure(self._background_error).run()

    def poke(self) -> None:
        """Something was saved: count it, and try to send it soon (several saves in a row make
        one run)."""
        self.refresh()
        if not self._paused and self.auto:
            self._soon.start(int(self.settle_seconds * 1000))

    def has_work(self) -> bool:
        s = self.state
        if s.queue > 0 or not s.last_success:
            return True
        try:
            last = dt.datetime.fromisoformat(s.last_success)
        except ValueError:
            return True
        age = dt.datetime.now(last.tzinfo) - last
        return age > dt.timedelta(minutes=self.pull_minutes)

    # --- probe and run
    def probe(self, then_run: bool = False) -> None:
        """Ask the county server for its health (network pool); start a run when it answers and
        there is work. `then_run` (the 立即同步 button) skips the work and back-off checks."""
        s = self.state
        if then_run and not s.running:
            self._asked = True  # a click during an automatic probe still counts
        if self._paused or s.running or self._probing or not s.enrolled or not s.server:
            return
        from sync.background import StopSignal, check_server

        stop = StopSignal()
        self._stops.add(stop)
        self._probing = True
        server, ca_cert = s.server, s.ca_cert

        def done(problem: str | None) -> None:
            self._stops.discard(stop)
            asked, self._probing, self._asked = self._asked, False, False
            s.reachable = problem is None
            if problem is not None:
                if asked:
                    s.error = problem
                self.changed.emit()
                return
            self.changed.emit()
            wanted = asked or (
                self.auto and self.has_work() and time.monotonic() >= self._not_before
            )
            if wanted and not self._paused:
                self.start()

        def failed(exc: BaseException) -> None:
            self._stops.discard(stop)
            self._probing = self._asked = False

        DbOp(self, lambda _store: check_server(server, ca_cert, stop)).on_network().success(
            done
        ).failure(failed).run()

    def sync_now(self) -> None:
        self.state.error = None
        self.changed.emit()
        self.probe(then_run=True)

    def cancel(self) -> None:
        """The 取消 button: stop now, and do not start again by itself for a while (the person
        may be on a metered link); 立即同步 still works."""
        self._not_before = time.monotonic() + self.cancel_pause
        for stop in list(self._stops):
            stop.stop()

    def start(self) -> None:
        if self._paused or self.state.running:
            return
        hook = worker().query_hook

        def got(opener: Any) -> None:
            self._opener = opener
            if not self._paused and not self.state.running:
                self._launch(opener)

        # Taken afresh for each run: disabling a user in this window replaces the data key
        # (app/services/rotation.py), and an opener kept from before would hold the old one.
        DbOp(self, lambda store: _opener(store, hook)).success(got).failure(
            self._background_error
        ).run()

    def _launch(self, opener: Any) -> None:
        from sync import background

        s = self.state
        stop = background.StopSignal()
        self._stops.add(stop)
        s.running, s.phase, s.done, s.total, s.error = True, "start", 0, None, None
        w = worker()

        def report(phase: str, n: int, total: int | None) -> None:  # on the network thread
            w.post(lambda: self._progress(phase, n, total) if isValid(self) else None)

        def done(result: dict[str, Any]) -> None:
            self._ended(stop)
            self._failures, self._not_before = 0, 0.0
            s.reachable, s.last_result = True, result
            self.refresh()
            self.finished.emit(result)

        def failed(exc: BaseException) -> None:
            self._ended(stop)
            if isinstance(exc, background.Stopped):
                log.info("sync stopped")
                s.error = tr("Sync", "同步已停止，下次会从停下的地方继续")
            else:
                self._failures += 1
                delay = min(60 * 2 ** (self._failures - 1), 30 * 60)
                self._not_before = time.monotonic() + delay
                log.info("sync failed (%s); next automatic try in %ss", type(exc).__name__, delay)
                from ui.errors import user_message

                s.error = user_message(exc)
                s.reachable = None
            self.refresh()

        self._run = DbOp(self, lambda _store: background.run(opener, stop, report)).on_network() \
            .success(done).failure(failed).run()  # fmt: skip
        self.changed.emit()

    def _ended(self, stop: Any) -> None:
        self._stops.discard(stop)
        self.state.running = False
        self.state.phase = ""

    def _progress(self, phase: str, n: int, total: int | None) -> None:
        s = self.state
        if not s.running:
            return
        s.phase, s.done = phase, n
        if total is not None:
            s.total = total
        self.changed.emit()

    def _background_error(self, exc: BaseException) -> None:
        # A status read failing (the session closing for a user switch) must not pop up a dialog.
        from ui.errors import log_exception

        log_exception(exc)


def _opener(store: Store, hook: Any) -> Any:
    from sync.background import Opener

    return Opener.of(store, hook)


def when_text(iso: str | None) -> str:
    """ "今天 14:05" / "昨天 09:10" / "3月5日 14:05" / "从未"."""
    if not iso:
        return tr("Sync", "从未")
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if t.tzinfo is not None:
        t = t.astimezone().replace(tzinfo=None)
    days = (dt.date.today() - t.date()).days
    clock = t.strftime("%H:%M")
    if days == 0:
        return tr("Sync", "今天 {0}").format(clock)
    if days == 1:
        return tr("Sync", "昨天 {0}").format(clock)
    if t.year == dt.date.today().year:
        return tr("Sync", "{0}月{1}日 {2}").format(t.month, t.day, clock)
    return tr("Sync", "{0}年{1}月{2}日").format(t.year, t.month, t.day)
