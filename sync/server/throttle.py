"""Back-off for guessing: failed enrolment codes and refused tokens, counted per client address.

An address gets `allowance` failures per `window`; every failure beyond that locks it out for
twice as long as the last time (1 s, 2 s, 4 s … up to `cap`). While locked out it gets 429 with
Retry-After and nothing is checked, so guessing runs at the speed the lock allows. The counts
live in this process: behind a load balancer each instance counts on its own (the allowance
is per instance), which still turns a brute force of 16-character codes or 256-bit tokens into
a hopeless one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    window_start: float = 0.0
    locked_until: float = 0.0
    lock: float = 0.0


class Throttle:
    def __init__(self, allowance: int = 10, window: float = 900.0, cap: float = 900.0) -> None:
        self.allowance, self.window, self.cap = allowance, window, cap
        self._entries: dict[str, _Entry] = {}
        self._mutex = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must still wait, or None if it may try."""
        with self._mutex:
            e = self._entries.get(address)
            left = e.locked_until - time.monotonic() if e else 0
            return max(1, int(left + 0.999)) if left > 0 else None

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._mutex:
            if len(self._entries) > 100_000:  # forget the quiet ones; memory stays bounded
                self._entries = {a: e for a, e in self._entries.items()
                                 if now - e.window_start < self.window or e.locked_until > now}  # fmt: skip
            e = self._entries.setdefault(address, _Entry(window_start=now))
            if now - e.window_start > self.window and e.locked_until <= now:
                e.failures, e.window_start, e.lock = 0, now, 0.0
            e.failures += 1
            if e.failures > self.allowance:
                e.lock = min(self.cap, e.lock * 2 if e.lock else 1.0)
                e.locked_until = now + e.lock
