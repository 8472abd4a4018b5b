"""Where the main window opens: within the screen's free area (a 1366x768 laptop with a taskbar
leaves 1366x728), maximized on small screens, and where the user left it last time."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from ui.qt import QByteArray, QGuiApplication, QRect, QSize, QWidget

log = logging.getLogger("cunyi.ui.geometry")

PREFERRED = QSize(1366, 768)  # what the screens were designed for
STATE_NAME = "window.json"  # beside the data: per machine and per Windows account, like the data


def initial_geometry(available: QRect) -> tuple[QRect, bool]:
    """(frame rectangle, maximized) for a first start on a screen whose free area is
    `available`: maximized when the preferred size does not fit with room to spare, else the
    preferred size centred."""
    if available.width() < PREFERRED.width() + 100 or available.height() < PREFERRED.height() + 60:
        return QRect(available), True
    rect = QRect(0, 0, PREFERRED.width(), PREFERRED.height())
    rect.moveCenter(available.center())
    return rect, False


def _state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_NAME


def saved_geometry(data_dir: Path) -> QByteArray | None:
    try:
        raw = json.loads(_state_path(data_dir).read_text("utf-8"))["main"]
        return QByteArray(base64.b64decode(raw))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(window: QWidget, data_dir: Path) -> None:
    """Called when the window closes; a failure to write only costs the placement."""
    data = base64.b64encode(bytes(window.saveGeometry().data())).decode("ascii")
    try:
        _state_path(data_dir).write_text(json.dumps({"main": data}), "utf-8")
    except OSError as exc:
        log.warning("window placement not saved: %s", type(exc).__name__)


def show_fitted(window: QWidget, data_dir: Path, available: QRect | None = None) -> None:
    """Show `window` where it was last left when that still fits the screen's free area, else
    as a first start would."""
    if available is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
    saved = saved_geometry(data_dir)
    restored = saved is not None and window.restoreGeometry(saved)
    if restored and (window.isMaximized() or available.contains(window.frameGeometry())):
        window.show()
        return
    rect, maximized = initial_geometry(available)
    window.setGeometry(rect)
    if maximized:
        window.showMaximized()
    else:
        window.show()
