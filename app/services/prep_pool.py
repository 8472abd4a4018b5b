"""Preparing an import's rows in worker processes while this process writes the rows before them.

resident_prep.prepare (cleaning, validation, JSON, search terms) is about half of what a
registered row costs and needs no database, so on a machine with two cores or more an import hands
it to other processes and the writer only decides numbers, duplicates and households and inserts.
Rows come back in their order, at most AHEAD chunks in flight, so an import of any size holds a
bounded number of prepared rows. Workers are spawned (not forked: the desktop app runs threads, and
Windows has nothing else); a frozen build calls multiprocessing.freeze_support() at its entry.
If a worker dies, the rest is prepared here: the import goes on, slower.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from app.services.resident_prep import Prepared, prepare_rows

# Fewer rows: starting a worker (~0.3 s, and the writer waits for its first chunk) costs more
# than it saves. Measured with the writer at ~0.14 ms a row: 10,000 rows x0.85-0.87 of one
# process, 20,000 x1.07-1.11, 50,000 x1.35-1.5.
MIN_ROWS = 15_000
CHUNK = 500  # rows per task: large enough that pickling overhead per task is small
AHEAD = 16  # tasks in flight (8,000 rows): keeps the workers busy while a batch is written


def worker_count(rows: int) -> int:
    """Worker processes for an import of `rows` rows; 0 prepares them in this process.
    CUNYI_IMPORT_WORKERS overrides (a number; 0 turns workers off)."""
    forced = os.environ.get("CUNYI_IMPORT_WORKERS", "").strip()
    if forced.isdigit():
        return int(forced)
    cpus = os.cpu_count() or 1
    if rows < MIN_ROWS or cpus < 2:
        return 0
    # A worker only pays with a core to itself: with another job holding one of two cores, an
    # import with a worker ran at x0.73-0.86 of one process (idle: x1.10-1.25).
    if _busy_elsewhere() > cpus - 1.5:
        return 0
    # The writer needs a core of its own; the workers share the rest.
    return max(1, cpus - 1)


WINDOW = 0.1  # seconds of /proc/stat looked at before an import: ~4% of one of 15,000 rows


def _busy_elsewhere() -> float:
    """Cores other processes keep busy now: this process sleeps while the system's CPU times
    are read twice (Linux). The one-minute load average counted the importing process itself,
    busy reading the file just before, and still remembered whatever ran a minute ago: an idle
    machine was taken for a busy one. Where there is no /proc/stat, the load average; where
    there is neither (Windows), 0."""
    try:
        before = _cpu_times()
        time.sleep(WINDOW)
        after = _cpu_times()
    except (OSError, ValueError, IndexError):
        return _load()
    total, idle = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * (1 - idle / total) if total > 0 else 0.0


def _cpu_times() -> tuple[int, int]:
    """(all, idle) clock ticks of every core since boot, from the first line of /proc/stat:
    user nice system idle iowait irq softirq steal (guest time is inside user)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]
    return sum(ticks), ticks[3] + ticks[4]


def _load() -> float:
    """Processes wanting a core, averaged over the last minute (0 where the system does not
    say: Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def prepared(rows: Sequence[Any], workers: int) -> Iterator[Prepared]:
    """resident_prep.prepare of every row, in order."""
    if workers <= 0:
        for start in range(0, len(rows), CHUNK):
            yield from prepare_rows(rows[start : start + CHUNK])
        return
    chunks = (rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK))
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_exit_with_parent)  # fmt: skip
    except (OSError, NotImplementedError):  # no semaphores here (some sandboxes): one process
        yield from prepared(rows, 0)
        return
    pending: deque[tuple[Sequence[Any], Future[list[Prepared]] | None]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, _submit(pool, chunk)))
            if len(pending) >= AHEAD:
                yield from _result(*pending.popleft())
        while pending:
            yield from _result(*pending.popleft())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _exit_with_parent() -> None:
    """Runs in each worker: end it when the importing process ends, however it ends. A worker
    holds both ends of its task queue, so it would never see EOF and wait for ever after a
    kill -9 of the importer (seen: orphaned workers holding memory and the terminal)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _submit(pool: ProcessPoolExecutor, chunk: Sequence[Any]) -> Future[list[Prepared]] | None:
    try:
        return pool.submit(prepare_rows, chunk)
    except BrokenProcessPool:
        return None


def _result(chunk: Sequence[Any], future: Future[list[Prepared]] | None) -> list[Prepared]:
    if future is not None:
        try:
            return future.result()
        except BrokenProcessPool:
            pass
    return prepare_rows(chunk)
