"""Identifiers made on this machine.

Residents (and outbox mutations) get time-ordered UUIDs (RFC 9562 version 7: 48 bits of Unix
milliseconds, then a counter and random bits). Every index keyed by a resident's uuid (the
resident itself, its search terms, versions, outbox rows) then grows at its end instead of at
random places: an import of 50,000 residents rewrote most index pages of the file in every batch
with random (version 4) uuids (measured: 82 KiB written per resident instead of 53). The creation
time they reveal is stored beside them anyway (created_at).
"""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last = 0  # milliseconds << 12 | counter of the last id made by this process
# Random bytes from the OS, drawn 4 KiB at a time: one urandom call per id was ~15% of the
# writer's own Python time in an import (two or three ids per resident).
_random = b""
_taken = 0
_BUFFER = 4096


def _forget_random() -> None:
    global _random, _taken
    _random, _taken = b"", 0


# A forked child must not hand out the bytes its parent will also use.
os.register_at_fork(after_in_child=_forget_random)


def time_ordered_uuid() -> str:
    """A new UUID (version 7) greater than every one this process made before."""
    global _last, _random, _taken
    with _lock:
        stamp = max(time.time_ns() // 1_000_000 << 12, _last + 1)  # a counter within one ms
        _last = stamp
        if _taken >= len(_random):
            _random, _taken = os.urandom(_BUFFER), 0
        rand = int.from_bytes(_random[_taken : _taken + 8], "big") & ((1 << 62) - 1)
        _taken += 8
    h = f"{(stamp >> 12) << 80 | 0x7 << 76 | (stamp & 0xFFF) << 64 | 0b10 << 62 | rand:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"  # as str(uuid.UUID(...)), faster
