"""Messages to the user (errors, notices, yes/no questions) and logging without personal data."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from ui.qt import QMessageBox, Qt, QWidget, tr

log = logging.getLogger("cunyi.ui")

# Every message box text shown, newest last: tests read it instead of hunting for popups.
shown: list[str] = []


def setup_logging(data_dir: Path | None) -> None:
    """Log file in the data directory. Only event names, counts and code locations are logged."""
    root = logging.getLogger("cunyi")
    root.setLevel(logging.INFO)
    if data_dir is None or any(isinstance(h, logging.FileHandler) for h in root.handlers):
        return
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        data_dir / "logs" / "cunyi-ui.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)


def user_message(exc: BaseException) -> str:
    """The Chinese text for an exception. Our own errors (app.errors.CunyiError, forms errors)
    already carry a user-facing Chinese message; anything else is a defect."""
    full = _disk_full(exc)
    if full:
        return full
    if _is_ours(exc):
        from app.labels import without_keys

        # Our messages name fields by label; texts from the county server still carry the keys
        # scripts need, which the desktop leaves out.
        return without_keys(str(exc))
    return tr("Errors", "出现了意外错误，刚才的操作没有完成，已保存的资料不受影响。\n"
              "请重试；如果再次出现，请联系乡镇卫生院技术人员。")


# The open installation's folder, named by a disk-full message. ui.tasks sets it when it opens or
# closes a store: this module sits below ui.tasks (which shows the errors of its jobs here).
data_dir: Path | None = None


def _disk_full(exc: BaseException) -> str | None:
    from app.errors import storage_full

    return storage_full(exc, data_dir or tr("Errors", "数据文件夹"))


def _is_ours(exc: BaseException) -> bool:
    from app.errors import CunyiError
    from forms.registry import UnknownForm

    return isinstance(exc, CunyiError | UnknownForm)


def log_exception(exc: BaseException) -> None:
    # The message of a foreign exception can quote data (a name, an ID number): log only the
    # type and where it happened.
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(frames))
    log.error("unexpected %s at %s", type(exc).__name__, where or "?")


def show_error(parent: QWidget | None, exc: BaseException | str) -> QMessageBox:
    if isinstance(exc, BaseException):
        if not _is_ours(exc):
            log_exception(exc)
        text = user_message(exc)
    else:
        from app.labels import without_keys

        text = without_keys(exc)
    return _box(parent, QMessageBox.Icon.Warning, tr("Errors", "出错了"), text)


def show_info(parent: QWidget | None, text: str, title: str = "") -> QMessageBox:
    return _box(parent, QMessageBox.Icon.Information, title or tr("Errors", "提示"), text)


def show_critical(parent: QWidget | None, text: str, title: str) -> QMessageBox:
    """An unexpected error (ui/crash.py), shown like the others."""
    return _box(parent, QMessageBox.Icon.Critical, title, text)


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    shown.append(text)
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()  # window-modal but not blocking: the event loop (and tests) keep running
    return box


def confirm(parent: QWidget | None, text: str, title: str = "") -> bool:
    """A blocking yes/no question. Tests replace this function (pytest-qt dialog note)."""
    shown.append(text)
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title or tr("Errors", "请确认"),
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes
