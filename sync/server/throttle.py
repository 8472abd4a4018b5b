"""Back-off for guessing: failed enrolment codes and refused tokens, counted per client address.

An address gets `allowance` failures per `window`; every failure beyond that locks it out for
twice as long as the last time (1 s, 2 s, 4 s … up to `cap`). While locked out it gets 429 with
Retry-After and nothing is checked, so guessing runs at the speed the lock allows.

With an engine (the served county server) the counts live in the database (table auth_failure),
so every instance behind a load balancer counts the same failures: the allowance is the
county's, not each instance's. Each failure is counted there in its own short transaction; the
lock it yields is kept in the instance's memory, so a request that fails nothing costs no query.
An instance that has not seen the lock yet answers an address's next attempt and, that attempt
failing too, learns the lock from the shared count: beyond the allowance a guesser gets one more
try per instance and lock period, never a fresh allowance. Without an engine (tests building the
app directly) the counts are the process's own.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.server.models import AuthFailure, utcnow


@dataclass
class _Entry:
    failures: int = 0
    window_start: float = 0.0
    locked_until: float = 0.0
    lock: float = 0.0


class Throttle:
    def __init__(
        self,
        allowance: int = 10,
        window: float = 900.0,
        cap: float = 900.0,
        engine: Engine | None = None,
    ) -> None:
        self.allowance, self.window, self.cap = allowance, window, cap
        self.engine = engine
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
        shared = self._count_shared(address[:64]) if self.engine is not None else None
        with self._mutex:
            if len(self._entries) > 100_000:  # forget the quiet ones; memory stays bounded
                self._entries = {a: e for a, e in self._entries.items()
                                 if now - e.window_start < self.window or e.locked_until > now}  # fmt: skip
            e = self._entries.setdefault(address, _Entry(window_start=now))
            if shared is not None:
                e.window_start = now
                e.locked_until = now + shared if shared > 0 else 0.0
                return
            if now - e.window_start > self.window and e.locked_until <= now:
                e.failures, e.window_start, e.lock = 0, now, 0.0
            e.failures += 1
            if e.failures > self.allowance:
                e.lock = min(self.cap, e.lock * 2 if e.lock else 1.0)
                e.locked_until = now + e.lock

    def _count_shared(self, address: str) -> float:
        """Count one failure in the database; the seconds the address is now locked (0: not)."""
        assert self.engine is not None
        for _ in range(3):  # two instances inserting the first row at once: one retries
            try:
                return self._count_once(address)
            except IntegrityError:
                continue
        return 0.0

    def _count_once(self, address: str) -> float:
        assert self.engine is not None
        now = utcnow()
        t = AuthFailure
        with self.engine.begin() as c:
            row = c.execute(
                select(t.failures, t.window_start, t.lock_secs, t.locked_until)
                .where(t.address == address)
                .with_for_update()
            ).first()
            if row is None:
                c.execute(insert(t).values(address=address, failures=1, window_start=now,
                                           lock_secs=0.0, locked_until=None))  # fmt: skip
                return 0.0 if self.allowance >= 1 else self._lock(c, address, 1, now, 0.0)
            failures, start, lock = row.failures, row.window_start, row.lock_secs
            locked = row.locked_until is not None and row.locked_until > now
            if (now - start).total_seconds() > self.window and not locked:
                failures, start, lock = 0, now, 0.0
            failures += 1
            c.execute(update(t).where(t.address == address)
                      .values(failures=failures, window_start=start, lock_secs=lock))  # fmt: skip
            if failures <= self.allowance:
                return 0.0
            return self._lock(c, address, failures, now, lock)

    def _lock(self, c, address: str, failures: int, now: dt.datetime, lock: float) -> float:  # type: ignore[no-untyped-def]
        t = AuthFailure
        lock = min(self.cap, lock * 2 if lock else 1.0)
        c.execute(update(t).where(t.address == address)
                  .values(lock_secs=lock, locked_until=now + dt.timedelta(seconds=lock)))  # fmt: skip
        return lock
