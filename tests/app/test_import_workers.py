"""An import prepares its rows in worker processes (app/services/prep_pool.py): it must store
exactly what one process stores, survive a worker's death, and never outlive the importer."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from opshelp import PASSWORD, REPO, USER, make_store, person, stored_rows

from app.services import importer, prep_pool, residents
from app.services.demo_people import households
from app.services.import_table import Row
from app.services.integrity import check_store
from app.services.resident_prep import prepare_rows
from app.store import Store


def rows_with_every_kind_of_problem() -> list[Row]:
    data = [person(i, household=f"{i // 4}组") for i in range(600)]
    data += [
        dict(person(3), id_number=None),  # similar to row 3
        {"name": "刘七", "sex": "1"},  # no birth date
        person(5),  # row 5 again: already present by the time it is reached
        person(700, village="202"),  # another village: a provisional number
        dict(person(701), name="单田芳"),  # polyphonic name
        dict(person(702), marital="结婚了"),  # no such code
    ]
    data += [person(i, household=f"{i // 4}组") for i in range(710, 1210)]
    return [Row(i + 2, d) for i, d in enumerate(data)]


def test_workers_store_exactly_what_one_process_stores(tmp_path: Path, monkeypatch) -> None:
    rows = rows_with_every_kind_of_problem()
    stores, reports = [], []
    for workers in ("0", "1"):
        monkeypatch.setenv("CUNYI_IMPORT_WORKERS", workers)
        store = make_store(tmp_path / f"w{workers}")
        reports.append(importer.import_rows(store, rows))
        stores.append(store)
    assert reports[0] == reports[1]
    assert reports[0]["imported"] == len(rows) - 4 and reports[0]["present"] == 1
    assert [(e["line"], e["field"]) for e in reports[0]["errors"]] == [
        (602, "name"), (603, "birth_date"), (607, "marital")]  # fmt: skip
    assert stored_rows(stores[0]) == stored_rows(stores[1])
    assert check_store(stores[1]) == []
    assert [x["name"] for x in residents.find(stores[1], "stf")] == ["单田芳"]
    for store in stores:
        store.close()


def test_a_worker_killed_mid_import_loses_and_duplicates_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CUNYI_IMPORT_WORKERS", "1")
    people = households(8000, seed=7, today=dt.date.today())
    rows = [Row(i + 2, p.data) for i, p in enumerate(people)]
    store = make_store(tmp_path / "data")
    done: dict[str, object] = {}
    t = threading.Thread(target=lambda: done.update(report=importer.import_rows(store, rows)))
    t.start()
    killed = []
    deadline = time.monotonic() + 60
    while not killed and t.is_alive() and time.monotonic() < deadline:
        for child in multiprocessing.active_children():
            child.kill()
            killed.append(child.pid)
        time.sleep(0.01)
    t.join(300)
    assert killed, "the import ended before its worker could be killed"
    report = done["report"]
    assert isinstance(report, dict) and report["failed"] + report["imported"] == len(rows)
    assert residents.count(store) == report["imported"] > 7900
    again = importer.import_rows(store, rows)
    assert again["imported"] == 0 and again["present"] == report["imported"]
    assert check_store(store) == []
    store.close()


def _workers_of(pid: int) -> list[int]:
    """The spawned worker processes of process `pid` (Linux)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(k) for k in kids if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]
    except FileNotFoundError:
        return []


def _import_in_a_process(data: Path, n: int, *args: str) -> tuple[list, subprocess.Popen[str]]:
    """A new installation in `data` and `cunyi import` of n generated people running in its own
    process with one worker (stdout piped)."""
    make_store(data).close()
    people = households(n, seed=n, today=dt.date.today())
    src = data.parent / "people.csv"
    keys = ["name", "sex", "birth_date", "id_number", "phone", "address"]
    src.write_text("\n".join([",".join(keys)] + [",".join(str(p.data.get(k, "")) for k in keys)
                                                 for p in people]), encoding="utf-8")  # fmt: skip
    env = dict(os.environ, CUNYI_DATA_DIR=str(data), CUNYI_USER=USER, CUNYI_PASSWORD=PASSWORD,
               CUNYI_KDF_COST="test", CUNYI_IMPORT_WORKERS="1")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "app", "import", str(src), *args], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    return people, proc


def test_the_writer_prepares_what_the_worker_has_not_reached(monkeypatch) -> None:
    """While the worker starts (a new interpreter importing the forms), the writer prepares the
    furthest chunks itself; every row comes back once, in order, as one process makes it."""
    monkeypatch.setattr(prep_pool, "CHUNK", 50)  # a chunk takes ms here, the start far longer
    rows = [person(i) for i in range(1500)]
    rows[700]["birth_date"] = "1990-02-30"  # a refused row keeps its place
    stats: dict[str, int] = {}
    out = list(prep_pool.prepared(rows, 1, stats))
    assert out == prepare_rows(rows)
    assert 0 < stats["here"] < len(rows), stats  # both sides prepared some
    assert stats["here"] % prep_pool.CHUNK == 0


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc")
@pytest.mark.parametrize("after", [0.0, 0.3, 0.6])
def test_an_import_whose_worker_is_killed_finishes_and_the_program_ends(tmp_path: Path, after: float
                                                                        ) -> None:  # fmt: skip
    """`cunyi import` in its own process, its worker killed at start-up or while it works or
    sends rows back: every row stored once, and the program ends (with ProcessPoolExecutor a
    worker killed half-way through sending its rows hung the import for ever)."""
    data = tmp_path / "data"
    people, proc = _import_in_a_process(data, 12000, "--allow-similar", "--json")
    deadline = time.monotonic() + 60
    while not (workers := _workers_of(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert workers, "the import ended before it started a worker"
    time.sleep(after)
    os.kill(workers[0], signal.SIGKILL)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the import never ended after its worker was killed") from None
    assert proc.returncode == 0
    report = json.loads(out)
    assert report["imported"] == len(people) and report["failed"] == 0
    store = Store.open(data, USER, PASSWORD)
    assert residents.count(store) == len(people)
    assert check_store(store) == []
    store.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc")
def test_killing_the_importer_ends_its_workers(tmp_path: Path) -> None:
    _people, proc = _import_in_a_process(tmp_path / "data", 6000)

    def children() -> list[int]:
        try:
            text = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text()
        except FileNotFoundError:
            return []
        return [int(x) for x in text.split()]

    deadline = time.monotonic() + 60
    while not _workers_of(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = children()
    assert proc.poll() is None and kids, "the import ended before it started a worker"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 20
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [k for k in kids if alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert not left, "worker processes outlived the killed import"


def _ticks(*samples: tuple[int, int]):  # type: ignore[no-untyped-def]
    """A stand-in for /proc/stat: the (all, idle) tick counts it gives one after the other."""
    it = iter(samples)
    return lambda: next(it)


def test_workers_only_for_large_imports_with_a_free_core(monkeypatch) -> None:
    monkeypatch.delenv("CUNYI_IMPORT_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert prep_pool.worker_count(prep_pool.MIN_ROWS - 1) == 0
    # 20 ticks of two cores, 18 idle: 0.2 of a core busy elsewhere
    monkeypatch.setattr(prep_pool, "_cpu_times", _ticks((1000, 900), (1020, 918)))
    assert prep_pool.worker_count(50_000) == 1
    # 20 ticks, 9 idle: another job holds a core
    monkeypatch.setattr(prep_pool, "_cpu_times", _ticks((1000, 900), (1020, 909)))
    assert prep_pool.worker_count(50_000) == 0
    # No /proc/stat (macOS): the load average decides
    def missing() -> tuple[int, int]:
        raise OSError("no /proc/stat")

    monkeypatch.setattr(prep_pool, "_cpu_times", missing)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.5, 0.5), raising=False)
    assert prep_pool.worker_count(50_000) == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 1.0, 1.0), raising=False)
    assert prep_pool.worker_count(50_000) == 0  # another job holds a core
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert prep_pool.worker_count(50_000) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert prep_pool.worker_count(50_000) == 0
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv("CUNYI_IMPORT_WORKERS", "0")
    assert prep_pool.worker_count(50_000) == 0
    monkeypatch.setenv("CUNYI_IMPORT_WORKERS", "2")
    assert prep_pool.worker_count(10) == 2


@pytest.mark.parametrize("household", [None, "01a214bf-995a-7002-b780-466500125c5c", 'a"b\\c'])
@pytest.mark.parametrize("mother", [None, "01a214bf-995a-7002-b780-466500125c5d"])
def test_the_written_out_state_json_is_what_the_encoder_writes(household, mother) -> None:

    from app.services.resident_batch import _state_json

    state = {"village": "201", "household": household, "status": "active", "status_date": None,
             "status_reason": None, "merged_into": None, "record_no": "13012310120100001",
             "mother": mother}  # fmt: skip
    state_json, changes_json = _state_json("201", household, "13012310120100001", mother)
    assert json.loads(state_json) == state
    assert json.loads(changes_json) == {k: {"new": v, "old": None} for k, v in state.items()
                                        if v is not None}  # fmt: skip


def test_an_import_where_no_worker_can_start_runs_in_one_process(tmp_path: Path, monkeypatch) -> None:
    def no_semaphores(*_args, **_kw):  # what a sandbox without /dev/shm raises
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(prep_pool, "_Pool", no_semaphores)
    store = make_store(tmp_path / "data")
    rows = [Row(i + 2, person(i)) for i in range(50)]
    report = importer.import_rows(store, rows, workers=1)
    assert report["imported"] == 50 and residents.count(store) == 50
    store.close()


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="the CPU times of Linux")
def test_a_job_holding_a_core_is_seen_and_no_worker_starts(monkeypatch) -> None:
    """A real busy process: measured, not taken from the load average of the past minute."""
    monkeypatch.delenv("CUNYI_IMPORT_WORKERS", raising=False)
    cpus = os.cpu_count() or 1
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        assert prep_pool._busy_elsewhere() >= 0.7
        # two cores (this machine): none left for a worker; more: the others are free
        assert prep_pool.worker_count(50_000) == (0 if cpus <= 2 else cpus - 1)
    finally:
        busy.kill()
        busy.wait()
