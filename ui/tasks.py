"""Background work: the one database thread, the network pool, op objects and long-job state.

Every database call of the client goes through `DbOp`/`LongJob`, which run on the single DB worker
thread (so SQLCipher connections are never shared between threads and the GUI never waits on
disk); results and errors come back to the GUI thread through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from ui import changes, errors
from ui.qt import QObject, QProgressDialog, Qt, QWidget, Signal, isValid, tr

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger("cunyi.ui.tasks")


class Cancelled(Exception):
    """Raised inside a long job when the user pressed cancel."""


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit into it and Qt queues the call over."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class Worker:
    """One single-thread executor for the database, one small pool for the network."""

    def __init__(self) -> None:
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cunyi-db")
        self._net = ThreadPoolExecutor(max_workers=3, thread_name_prefix="cunyi-net")
        self._relay = _Relay()
        self.store: Store | None = None  # only ever touched on the DB thread
        self.query_hook: Callable[[], None] | None = None  # given to every store (tests)
        self._latest: dict[str, int] = {}
        self._pending = 0
        self._lock = threading.Lock()

    # --- GUI-thread API
    def submit(
        self,
        fn: Callable[[Store], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        *,
        network: bool = False,
        key: str | None = None,
    ) -> Future:
        """Run fn(store) off the GUI thread. With `key`, an older op of that key still waiting
        in the queue is skipped and its result dropped: only the newest search counts."""
        generation = 0
        if key is not None:
            generation = self._latest.get(key, 0) + 1
            self._latest[key] = generation

        def stale() -> bool:
            return key is not None and self._latest.get(key) != generation

        def job() -> None:
            try:
                if stale():
                    return  # a newer op of this key was queued meanwhile: skip this one
                result = fn(self._open_store())
            except BaseException as exc:  # noqa: BLE001 - handed to the GUI as an error
                self.post(lambda e=exc: None if stale() else on_error(e))
                return
            finally:
                with self._lock:
                    self._pending -= 1
            self.post(lambda: None if stale() else on_done(result))

        with self._lock:
            self._pending += 1
        return (self._net if network else self._db).submit(job)

    def set_store(self, store: Store | None) -> None:
        """On the DB thread: make `store` the open installation, closing the previous one (the
        outbox and saved work stay in the database for everyone)."""
        old, self.store = self.store, store
        errors.data_dir = store.data_dir if store is not None else None
        if store is not None:
            store.query_hook = self.query_hook
        if old is not None and old is not store:
            old.close()

    def post(self, fn: Callable[[], None]) -> None:
        """Call fn on the GUI thread (safe from any thread)."""
        self._relay.call.emit(fn)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def _open_store(self) -> Store:
        # Typed as open: the only jobs that run before a login (the login itself, warming up)
        # ignore the store they are given, which is None then.
        return cast("Store", self.store)

    def run_sync(self, fn: Callable[[Store], Any]) -> Any:
        """Run on the DB thread and wait: only for shutdown and for benchmarks/tests setup."""
        return self._db.submit(lambda: fn(self._open_store())).result()

    def shutdown(self) -> None:
        def close(store: Store | None) -> None:
            if store is not None:
                store.close()
            self.store = None
            errors.data_dir = None

        try:
            self.run_sync(close)
        finally:
            self._db.shutdown(wait=True)
            self._net.shutdown(wait=False, cancel_futures=True)


_worker: Worker | None = None


def worker() -> Worker:
    global _worker
    if _worker is None:
        _worker = Worker()
    return _worker


def reset_worker() -> None:
    """Tests start each client with a fresh worker."""
    global _worker
    if _worker is not None:
        _worker.shutdown()
    _worker = None


class DbOp:
    """`DbOp(parent, lambda store: ...).success(cb).failure(cb).run()`: the one way UI code talks to
    the database. Without a failure callback, errors are shown in the Chinese error dialog.
    Callbacks are skipped if `parent` was destroyed meanwhile."""

    def __init__(self, parent: QWidget | None, fn: Callable[[Store], Any]) -> None:
        self._parent = parent
        self._fn = fn
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._key: str | None = None
        self._network = False

    def success(self, cb: Callable[[Any], None]) -> DbOp:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> DbOp:
        self._failure = cb
        return self

    def latest_only(self, key: str) -> DbOp:
        self._key = key
        return self

    def on_network(self) -> DbOp:
        self._network = True
        return self

    def _alive(self) -> bool:
        return self._parent is None or isValid(self._parent)

    def run(self) -> Future:
        def done(result: Any) -> None:
            changes.publish(result)  # saved whether or not the asking widget is still open
            if self._alive() and self._success is not None:
                self._success(result)

        def error(exc: BaseException) -> None:
            if not self._alive():
                return
            if self._failure is not None:
                self._failure(exc)
            else:
                errors.show_error(self._parent, exc)

        return worker().submit(self._fn, done, error, network=self._network, key=self._key)


class TaskState:
    """Handed to a long job (Orange style): report progress, check for cancel."""

    def __init__(self, progress: Callable[[int, str], None]) -> None:
        self._progress = progress
        self._cancel = threading.Event()

    def set_progress(self, percent: float, text: str = "") -> None:
        self._progress(int(percent), text)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class LongJob:
    """A job that may take more than 200 ms: a progress dialog with a cancel button.
    fn(store, state) runs on the DB worker and should call state.check() between steps."""

    def __init__(self, parent: QWidget | None, title: str, fn: Callable[[Store, TaskState], Any]):
        self._parent = parent
        self._title = title
        self._fn = fn
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self.dialog: QProgressDialog | None = None
        self.state: TaskState | None = None

    def success(self, cb: Callable[[Any], None]) -> LongJob:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> LongJob:
        self._failure = cb
        return self

    def run(self) -> LongJob:
        dialog = QProgressDialog(self._title, tr("Tasks", "取消"), 0, 100, self._parent)
        dialog.setWindowTitle(self._title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(200)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(360)
        self.dialog = dialog
        w = worker()

        def progress(value: int, text: str) -> None:
            def apply() -> None:
                if isValid(dialog):
                    dialog.setValue(value)
                    if text:
                        dialog.setLabelText(text)

            w.post(apply)

        state = TaskState(progress)
        self.state = state
        dialog.canceled.connect(state.cancel)

        def finish() -> None:
            if isValid(dialog):
                dialog.canceled.disconnect(state.cancel)
                dialog.close()
                dialog.deleteLater()

        def done(result: Any) -> None:
            finish()
            if self._success is not None:
                self._success(result)

        def error(exc: BaseException) -> None:
            finish()
            if isinstance(exc, Cancelled):
                log.info("long job cancelled")
                return
            if self._failure is not None:
                self._failure(exc)
            else:
                errors.show_error(self._parent, exc)

        w.submit(lambda store: self._fn(store, state), done, error)
        return self
