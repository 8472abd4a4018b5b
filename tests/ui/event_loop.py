"""Driving the client inside the application's real event loop, where Qt ends the program when
the last visible window closes (it does so only while QApplication.exec runs)."""

from __future__ import annotations

from ui.qt import QEvent, QObject, QTimer


class QuitWatch(QObject):
    """Notes every request to end the program: the last window closing (Qt then posts a Quit
    event to the application, as it does in `python -m ui`) and the Quit event itself."""

    def __init__(self, qapp) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.qapp = qapp
        qapp.lastWindowClosed.connect(self._last_closed)
        qapp.installEventFilter(self)

    def _last_closed(self) -> None:
        self.seen.append("lastWindowClosed")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.qapp and event.type() == QEvent.Type.Quit:
            self.seen.append("Quit")
        return False

    def stop(self) -> None:
        self.qapp.removeEventFilter(self)
        self.qapp.lastWindowClosed.disconnect(self._last_closed)


def run_in_event_loop(qapp, drive) -> list[str]:
    """Run `drive()` inside the application's real event loop (QApplication.exec, as `python -m
    ui` does: Qt ends the program when the last visible window closes only while exec runs).
    Returns the requests to quit that came while drive() ran."""
    watch = QuitWatch(qapp)
    during: list[str] = []

    def step() -> None:
        try:
            drive()
        finally:
            during.extend(watch.seen)
            qapp.exit(0)

    assert qapp.quitOnLastWindowClosed()  # the real client's setting, not switched off here
    QTimer.singleShot(0, step)
    try:
        qapp.exec()
    finally:
        watch.stop()
    return during
