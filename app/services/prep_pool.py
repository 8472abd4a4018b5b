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
import queue
import threading
import time
from collections import deque
from collections.abc import Generator, Sequence
from typing import Any

from app.services.resident_prep import Prepared, prepare_rows

# Fewer rows: starting a worker (~0.3 s) costs about what it saves. Measured with the writer at
# ~0.15 ms a row and taking over what the worker has not reached: 10,000 rows x1.04-1.06 of one
# process, 50,000 x1.4.
MIN_ROWS = 10_000
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


WINDOW = 0.1  # seconds of /proc/stat looked at before an import: ~5% of one of 10,000 rows


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


def prepared(rows: Sequence[Any], workers: int, stats: dict[str, int] | None = None
             ) -> Generator[Prepared, None, None]:  # fmt: skip
    """resident_prep.prepare of every row, in order. `stats["here"]` counts the rows this
    process prepared itself while the workers were behind (_Pool.take)."""
    if stats is not None:
        stats.setdefault("here", 0)
    if workers <= 0:
        for start in range(0, len(rows), CHUNK):
            yield from prepare_rows(rows[start : start + CHUNK])
        return
    try:
        pool = _Pool(workers)
    except (OSError, NotImplementedError):  # no worker can start here (some sandboxes)
        yield from prepared(rows, 0, stats)
        return
    pending: deque[_Task] = deque()
    try:
        for number, start in enumerate(range(0, len(rows), CHUNK), start=1):
            pending.append(pool.send(number, rows[start : start + CHUNK]))
            if len(pending) >= AHEAD:
                yield from pool.take(pending, stats)
        while pending:
            yield from pool.take(pending, stats)
    finally:
        pool.close()


RING = 4 * AHEAD  # slots of the chunks this process took over; more than are ever in flight


class _Task:
    __slots__ = ("number", "chunk", "worker", "out")

    def __init__(self, number: int, chunk: Sequence[Any], worker: _Worker) -> None:
        self.number, self.chunk, self.worker = number, chunk, worker
        self.out: list[Prepared] | None = None  # prepared in this process instead


class _Worker:
    """A worker process and its two one-way pipes. Only the worker holds the result pipe's write
    end, so when it dies, even half-way through sending, reading gives EOF and its rows are
    prepared here: ProcessPoolExecutor, used before, kept both ends in this process, and its
    manager thread waited for ever for the rest of a half-sent result (the import hung).
    Tasks go out through a thread: this process never blocks sending to a worker that is itself
    blocked sending back."""

    def __init__(self, ctx: Any, taken: Any) -> None:
        task_r, self.task_w = ctx.Pipe(duplex=False)
        self.result_r, result_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serve, args=(task_r, result_w, taken), daemon=True,
                                name="cunyi-prepare")  # fmt: skip
        self.proc.start()
        task_r.close()
        result_w.close()
        self.alive = True
        self.outbox: queue.SimpleQueue[tuple[int, Sequence[Any]] | None] = queue.SimpleQueue()
        # Answers are read as they come, or the worker would wait on a full pipe after each chunk
        self.answers: queue.SimpleQueue[tuple[int, list[Prepared] | None] | None] = queue.SimpleQueue()
        threading.Thread(target=self._feed, name="cunyi-prepare-feed", daemon=True).start()
        threading.Thread(target=self._read, name="cunyi-prepare-read", daemon=True).start()

    def _feed(self) -> None:
        while (item := self.outbox.get()) is not None:
            try:
                self.task_w.send(item)
            except (OSError, ValueError):  # the worker is gone (or closed): prepared here
                return

    def _read(self) -> None:
        while True:
            try:
                self.answers.put(self.result_r.recv())
            except (EOFError, OSError, ValueError):  # died (or closed): no more answers
                self.answers.put(None)
                return

    def ready(self) -> bool:
        return not self.answers.empty()

    def receive(self, number: int) -> list[Prepared] | None:
        """The rows of task `number` (the oldest this worker has not answered); None when the
        worker skipped it (taken over here) or has died."""
        if not self.alive:
            return None
        answer = self.answers.get()
        if answer is None or answer[0] != number:  # died; a mix-up cannot happen, never trust one
            self.alive = False
            return None
        return answer[1]

    def close(self) -> None:
        self.alive = False
        self.outbox.put(None)
        if self.proc.is_alive():
            self.proc.terminate()  # it may be blocked sending rows nobody will read
        self.proc.join(5)
        self.task_w.close()
        self.result_r.close()


class _Pool:
    def __init__(self, workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.taken = ctx.RawArray("q", RING)
        self.workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self.workers.append(_Worker(ctx, self.taken))
        except BaseException:
            self.close()
            raise

    def send(self, number: int, chunk: Sequence[Any]) -> _Task:
        worker = self.workers[number % len(self.workers)]
        if worker.alive:
            worker.outbox.put((number, chunk))
        return _Task(number, chunk, worker)

    def take(self, pending: deque[_Task], stats: dict[str, int] | None) -> list[Prepared]:
        """The rows of the first task. While its worker has not answered, this process prepares
        the furthest task not yet prepared rather than wait, and marks it taken in shared memory
        so that a worker reaching it skips it: when the workers are the slower side (starting
        up, or a core shared with another job) the writer does what they have not reached. The
        writer outran a worker at 0.11 ms a row against its 0.12, and waited ~0.3 s for it to
        start."""
        first = pending.popleft()
        worker = first.worker
        while first.out is None and worker.alive and not worker.ready():
            far = next((t for t in reversed(pending) if t.out is None), None)
            if far is None:
                break
            self.taken[far.number % RING] = far.number
            far.out = prepare_rows(far.chunk)
            if stats is not None:
                stats["here"] += len(far.chunk)
        answer = worker.receive(first.number)  # keeps the worker's answers in step
        if first.out is not None:
            return first.out
        return answer if answer is not None else prepare_rows(first.chunk)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def _serve(tasks: Any, results: Any, taken: Any) -> None:
    """A worker's life: prepare each chunk sent (unless the importing process took it over)
    and send its rows back, in order, until told to stop or the importer is gone."""
    _exit_with_parent()
    while True:
        try:
            item = tasks.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        number, chunk = item
        results.send((number, None if taken[number % RING] == number else prepare_rows(chunk)))


def _exit_with_parent() -> None:
    """Runs in each worker: end it when the importing process ends, however it ends (a kill -9
    of the importer had left workers waiting for ever, holding memory and the terminal)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
