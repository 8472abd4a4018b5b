"""What happens when the client fails where nothing expected it: a report for whoever fixes it,
written without any personal data, and a message telling the user where it is.

The report holds the program's and the system's versions, the exception's type and where in our
code it happened (file, line, function), never its message, arguments or variables: those can
quote a name or an ID number. A crash Python cannot catch (in Qt or SQLCipher) leaves Python's
own fault report, which also lists only files, lines and functions.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import logging
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger("cunyi.ui.crash")

REPORT_DIR = "logs"
_fault_file: Any = None
_installed: dict[str, Any] = {}


def report_text(exc_type: type[BaseException], tb: TracebackType | None, where: str) -> str:
    from app.version import __version__
    from ui.qt import QtCore

    qt_version = QtCore.qVersion()
    lines = [
        "村医 错误报告（不含居民资料：只记录程序位置，不记录内容）",
        f"time: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"version: {__version__}",
        f"python: {platform.python_version()}  qt: {qt_version}",
        f"system: {platform.system()} {platform.release()} {platform.machine()}",
        f"frozen: {bool(getattr(sys, 'frozen', False))}",
        f"thread: {where}",
        f"exception: {exc_type.__module__}.{exc_type.__qualname__}",
        "traceback (innermost last):",
    ]
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {_short(frame.filename)}:{frame.lineno} in {frame.name}")
    return "\n".join(lines) + "\n"


def _short(filename: str) -> str:
    """The path from our package or the library on: no user name from a home folder."""
    parts = Path(filename).parts
    for i, part in enumerate(parts):
        if part in ("app", "ui", "forms", "sync", "site-packages", "_internal"):
            return "/".join(parts[i:])
    return Path(filename).name


def write_report(data_dir: Path, exc_type: type[BaseException], tb: TracebackType | None,
                 where: str = "main") -> Path:  # fmt: skip
    folder = Path(data_dir) / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.txt"
    path.write_text(report_text(exc_type, tb, where), encoding="utf-8")
    return path


def install(data_dir: Path) -> None:
    """From the client's start: every uncaught exception (GUI thread, Qt slots, other threads)
    gets a report and a message; a hard crash gets Python's fault report in the same folder."""
    global _fault_file
    data_dir = Path(data_dir)

    def on_exception(exc_type: type[BaseException], exc: BaseException,
                     tb: TracebackType | None) -> None:  # fmt: skip
        if issubclass(exc_type, KeyboardInterrupt):
            return _installed["excepthook"](exc_type, exc, tb)
        _handle(data_dir, exc_type, tb, threading.current_thread().name)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        _handle(data_dir, args.exc_type, args.exc_traceback, args.thread.name if args.thread else "?")

    _installed.setdefault("excepthook", sys.excepthook)
    _installed.setdefault("threading", threading.excepthook)
    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
    try:
        (data_dir / REPORT_DIR).mkdir(parents=True, exist_ok=True)
        _fault_file = open(data_dir / REPORT_DIR / "fatal-crash.txt", "a", encoding="utf-8")  # noqa: SIM115
        faulthandler.enable(_fault_file)
    except OSError:
        log.warning("no fault report file")


def uninstall() -> None:
    global _fault_file
    if "excepthook" in _installed:
        sys.excepthook = _installed.pop("excepthook")
        threading.excepthook = _installed.pop("threading")
    if _fault_file is not None:
        faulthandler.disable()
        _fault_file.close()
        _fault_file = None


def _handle(data_dir: Path, exc_type: type[BaseException], tb: TracebackType | None, where: str) -> None:
    try:
        path = write_report(data_dir, exc_type, tb, where)
    except OSError:
        path = None
    log.error("unexpected %s; report %s", exc_type.__name__, path.name if path else "not written")
    _tell(path)


def _tell(path: Path | None) -> None:
    from ui.qt import QApplication, tr

    if QApplication.instance() is None:
        print(f"村医出现意外错误；错误报告：{path}", file=sys.stderr)
        return
    text = tr("Crash", "村医出现了意外错误，刚才的操作可能没有完成；已保存的资料不受影响。\n"
                       "错误报告（不含居民资料）已保存在：\n{0}\n"
                       "请把这个文件交给乡镇卫生院技术人员。如果程序不再响应，请关闭后重新打开。")
    text = text.format(path if path else tr("Crash", "（无法写入报告）"))

    def show() -> None:
        from ui.errors import show_critical

        show_critical(QApplication.activeWindow(), text, tr("Crash", "意外错误"))

    if threading.current_thread() is threading.main_thread():
        show()
    else:
        from ui.tasks import worker

        worker().post(show)

