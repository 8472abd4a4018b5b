"""Errors a user or administrator can act on; str(e) is the Chinese message they see."""

from __future__ import annotations

from collections.abc import Sequence

from forms.model import FieldError


class CunyiError(Exception):
    """Base of expected errors: the CLI prints the message and exits with `exit_code`."""

    exit_code = 1

    def cli_text(self) -> str:
        """The message as the command line prints it (str(e) is the desktop's)."""
        return str(self)


class UsageError(CunyiError):
    exit_code = 2


class InvalidInput(CunyiError):
    """Input refused; `errors` names every bad field. Nothing was saved."""

    exit_code = 3

    def __init__(self, errors: Sequence[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("；".join(str(e) for e in self.errors))

    def cli_text(self) -> str:
        # Scripts that write JSON for `cunyi` need the key of each bad field as well.
        return "；".join(e.keyed() for e in self.errors)

    @classmethod
    def field(cls, key: str, label: str, message: str) -> InvalidInput:
        return cls(FieldError(key, label, message))


class DuplicateResident(InvalidInput):
    """The resident looks like one already registered; `existing` lists their summaries."""

    def __init__(self, error: FieldError, existing: list[dict]) -> None:
        super().__init__(error)
        self.existing = existing


class AuthError(CunyiError):
    exit_code = 4


class NotFound(CunyiError):
    exit_code = 5


class DataError(CunyiError):
    """The data directory is missing, damaged or of another installation."""

    exit_code = 1


def storage_full(exc: BaseException, folder: object) -> str | None:
    """The Chinese message for a failure caused by a full disk, naming the folder; None for
    anything else. SQLite reports a full disk as "database or disk is full", or, when it cannot
    even make its shared-memory file, as a "disk I/O error": that one counts only when the
    folder's disk really has (almost) no free space."""
    import errno
    import shutil

    inner = getattr(exc, "orig", exc)
    text = str(inner).lower()
    full = (isinstance(inner, OSError) and inner.errno == errno.ENOSPC) or (
        "database or disk is full" in text or "no space left" in text)  # fmt: skip
    if not full and "disk i/o" in text:
        try:
            full = shutil.disk_usage(str(folder)).free < FULL_BELOW
        except (OSError, TypeError, ValueError):
            full = False
    if not full:
        return None
    return (f"磁盘空间不足：{folder} 所在的磁盘已满，刚才的操作没有完成（已保存的资料不受影响）；"
            "请删除不需要的文件或把旧备份移到别处后重试")


FULL_BELOW = 1024 * 1024  # bytes free under which a disk I/O error is taken for a full disk
