"""Locks the window after a configurable time without keyboard or mouse input."""

from __future__ import annotations

import time
from collections.abc import Callable

from ui.qt import QApplication, QEvent, QObject, QTimer

INPUT_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.InputMethod,
}  # fmt: skip


class IdleWatcher(QObject):
    def __init__(self, on_idle: Callable[[], None], minutes: int = 10) -> None:
        super().__init__()
        self.on_idle = on_idle
        self.minutes = minutes
        self.last_input = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        self.last_input = time.monotonic()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: ARG002
        if event.type() in INPUT_EVENTS:
            self.last_input = time.monotonic()
        return False

    def check(self, now: float | None = None) -> bool:
        """Lock if idle too long; returns whether it locked."""
        if (now if now is not None else time.monotonic()) - self.last_input >= self.minutes * 60:
            self.on_idle()
            self.last_input = time.monotonic()
            return True
        return False

    def close(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
