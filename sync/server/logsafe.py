"""The server's logging: nothing a resident could be recognised by reaches a log line.

Two layers. The engine is made with `hide_parameters=True`, so SQLAlchemy's errors and statement
logs never print bound values (names, ID numbers). Every handler also carries `Redact`, because
a driver's own message can quote a value (PostgreSQL's "Key (record_no)=(…) already exists") and
a debug log of result rows would print documents: exception messages are dropped from tracebacks
(the frames stay, the text does not), Chinese text and long digit runs in messages are masked.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# Runs of CJK (names, addresses), of 6+ digits (ID numbers, phones, record numbers), dates.
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]+")
_DIGITS = re.compile(r"\d{6,}[\dXx]?")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def redact(text: str) -> str:
    return _DATE.sub("[date]", _DIGITS.sub("[n]", _CJK.sub("[…]", text)))


def _trace(exc: BaseException) -> str:
    """A traceback with every exception reduced to its type: where it happened, not what values
    it quoted."""
    out: list[str] = []
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        frames = "".join(traceback.format_tb(e.__traceback__)) if e.__traceback__ else ""
        out.insert(0, f"{frames}{type(e).__module__}.{type(e).__qualname__} (message withheld)\n")
        e = e.__cause__ or (None if e.__suppress_context__ else e.__context__)
    return "Traceback (most recent call last):\n" + "\n".join(out)


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call still logs, without its args
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}\n{_trace(record.exc_info[1])}"
        record.msg, record.args = redact(message), ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def config(level: str) -> dict[str, Any]:
    """A logging.config dict for the server (uvicorn's loggers included): one stderr handler
    with `Redact`; SQLAlchemy's loggers never below WARNING (its INFO/DEBUG print statements and
    result rows)."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": Redact}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            "sqlalchemy": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
