"""Time as the records see it: local wall-clock timestamps with their UTC offset."""

from __future__ import annotations

import datetime as dt


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")


def today() -> dt.date:
    return dt.date.today()

