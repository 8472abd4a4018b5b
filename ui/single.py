"""One client per data folder: a second start asks the running one to come forward and ends.

The running client holds a lock on a file in the data folder (app/filelock.py: released by the
system if the process dies, so a crash never blocks the next start); a second start that cannot
take it writes a request file beside it, which the first one watches (QFileSystemWatcher: no
network module needed) and answers by raising its window.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from app.filelock import lock
from ui.qt import QApplication, QFileSystemWatcher, QObject, Qt

LOCK_NAME = ".client.lock"
REQUEST_NAME = ".client.raise"


class Instance(QObject):
    """Held by the running client for its whole life."""

    def __init__(self, data_dir: Path, fd: int, on_request: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.fd = fd
        self.request = Path(data_dir) / REQUEST_NAME
        self.request.touch()
        self.on_request = on_request or bring_forward
        self.watcher = QFileSystemWatcher([str(self.request)], self)
        self.watcher.fileChanged.connect(self._changed)

    def _changed(self, path: str) -> None:
        # Some editors and systems replace the file: watch it again.
        if path not in self.watcher.files() and os.path.exists(path):
            self.watcher.addPath(path)
        self.on_request()

    def release(self) -> None:
        self.watcher.removePaths(self.watcher.files())
        with contextlib.suppress(OSError):
            os.close(self.fd)


def claim(data_dir: Path, on_request: Callable[[], None] | None = None) -> Instance | None:
    """This process's claim on `data_dir`, or None when another client holds it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    if not lock(fd, wait=False):
        os.close(fd)
        return None
    return Instance(data_dir, fd, on_request)


def ask_to_come_forward(data_dir: Path) -> None:
    """From a second start: the running client raises its window."""
    with open(Path(data_dir) / REQUEST_NAME, "w", encoding="ascii") as f:
        f.write(f"{time.time():.6f}\n")


def bring_forward() -> None:
    for window in QApplication.topLevelWidgets():
        if window.isVisible() and window.isWindow() and window.parent() is None:
            if window.windowState() & Qt.WindowState.WindowMinimized:
                window.showNormal()
            window.raise_()
            window.activateWindow()
