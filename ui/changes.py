"""Where the views learn what changed. Every database call of the client returns through DbOp;
a call that wrote something returns a typed result (app/services/results.py) naming the
residents whose views show the change, and DbOp publishes it here. The main window listens once
and refreshes exactly those views, whoever made the change (an editor, a dialog, the household
line of a resident view, a conflict settled), so no screen needs to know which others to tell.
"""

from __future__ import annotations

from app.services.results import Result
from ui.qt import QObject, Signal


class Changes(QObject):
    changed = Signal(object)  # a Result


_hub: Changes | None = None


def hub() -> Changes:
    global _hub
    if _hub is None:
        _hub = Changes()
    return _hub


def publish(result: object) -> None:
    """Tell the views about `result` if it is a change (reads return plain data)."""
    if isinstance(result, Result):
        hub().changed.emit(result)
