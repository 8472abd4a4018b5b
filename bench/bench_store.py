"""Figures for the encrypted store with 50,000 residents (run: python bench/bench_store.py [N]).

Printed, not asserted: search p50/p95 per kind of query (and the same queries on an unencrypted
copy, for the ratio), resident add p95 with history/audit/outbox, bulk import rate, login time,
database size per resident. Goals (issue 2): search p95 <= 2 ms, add p95 <= 30 ms,
import >= 5,000/s, login <= 0.5 s.

Wall-clock figures depend on what else the machine is doing (the load is printed); the import
and add lines also print figures that do not: CPU time of this process, SQL statements and bytes
written to disk per resident.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlcipher3  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.db.models import Resident, ResidentTerm  # noqa: E402
from app.pinyin import initials_variants, primary_pinyin, readings  # noqa: E402
from app.services import importer, prep_pool, residents  # noqa: E402
from app.services.demo_people import households  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"
LIMIT = 50  # what the resident list asks for first


class PlainStore:
    """Just enough of Store for residents.find, on an unencrypted copy with stdlib sqlite3."""

    def __init__(self, path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{path}")

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        with Session(self.engine) as s, s.begin():
            yield s

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        conn = self.engine.raw_connection()
        try:
            yield conn.cursor()
        finally:
            conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn: Callable[[], Any], n: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms of n calls; with `cpu`, also this thread's CPU ms of each (what the query
    itself cost, free of the time other processes on a shared machine took the core away)."""
    fn()  # warm the page cache and SQLAlchemy's statement cache
    out = []
    for _ in range(n):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - c) * 1000)
    return out


def queries(sample: list[Resident], rng: random.Random) -> dict[str, list[str]]:
    q: dict[str, list[str]] = {k: [] for k in ("name", "initials", "pinyin", "id suffix 6",
                                               "phone suffix 4", "record no. last 8",
                                               "id start 12", "id start 14", "birth date 8")}  # fmt: skip
    for r in sample:
        q["birth date 8"].append(r.birth_date.replace("-", ""))
        if r.id_number:
            q["id start 12"].append(r.id_number[:12])
            q["id start 14"].append(r.id_number[:14])
        q["name"].append(r.name)
        q["initials"].append(rng.choice(initials_variants(readings(r.name))))
        q["pinyin"].append(primary_pinyin(r.name))
        if r.id_number:
            q["id suffix 6"].append(r.id_number[-6:])
        if r.phone:
            q["phone suffix 4"].append(r.phone[-4:])
        q["record no. last 8"].append(r.record_no[-8:])
    return q


def written_bytes() -> int:
    """Bytes this process has caused to be written to disk so far (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("write_bytes"))
    except (OSError, StopIteration):
        return 0


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load unknown"


class Counter:
    """SQL statements run through the store (its query hook), for a load-independent figure."""

    def __init__(self, store: Store) -> None:
        self.n = 0
        store.query_hook = self.tick

    def tick(self) -> None:
        self.n += 1


def plain_copy(db: Path, key: bytes, target: Path) -> None:
    conn = sqlcipher3.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
    conn.execute("SELECT sqlcipher_export('plaintext')")
    conn.execute("DETACH DATABASE plaintext")
    conn.close()


SAME = 10_000  # rows imported both ways into fresh stores, for the workers' ratio


def compare_workers(tmp: Path, people: list[Any]) -> None:
    """The same rows imported in one process and with workers, alternately, into fresh stores."""
    rows = [Row(i + 2, p.data) for i, p in enumerate(people)]
    rates: dict[int, list[float]] = {0: [], max(1, prep_pool.worker_count(len(rows))): []}
    for attempt in range(2):
        for workers in rates:
            store, _ = Store.create(tmp / f"cmp{attempt}-{workers}", area=AREA,
                                    institution_name="对照", user=USER, password=PASSWORD)  # fmt: skip
            t = time.perf_counter()
            report = importer.import_rows(store, rows, workers=workers)
            rates[workers].append(report["imported"] / (time.perf_counter() - t))
            store.close()
    (one, ones), (many, manys) = rates.items()
    print(f"  same {len(rows):,} rows into a fresh store, two runs each: one process "
          f"{max(ones):,.0f}/s, {many} worker(s) {max(manys):,.0f}/s "
          f"(x{max(manys) / max(ones):.2f}); {load()}")  # fmt: skip


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    today = dt.date.today()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-") as tmp:
        data = Path(tmp) / "data"
        store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室", user=USER,
                                password=PASSWORD)  # fmt: skip
        t = time.perf_counter()
        people = households(n, seed=1, today=today)
        gen = time.perf_counter() - t
        rows = [Row(i + 2, p.data) for i, p in enumerate(people)]
        print(f"machine: {os.cpu_count()} cores, {load()} (before the import)")
        counter = Counter(store)
        workers = prep_pool.worker_count(len(rows))  # what import_rows would choose
        t, cpu, wrote = time.perf_counter(), time.process_time(), written_bytes()
        report = importer.import_rows(store, rows, workers=workers)
        took, cpu, wrote = (time.perf_counter() - t, time.process_time() - cpu,
                            written_bytes() - wrote)  # fmt: skip
        done = max(1, report["imported"])
        print(f"residents generated: {n} in {gen:.1f} s; imported {report['imported']} "
              f"(refused {report['failed']}, present {report['present']})")  # fmt: skip
        print(f"bulk import: {report['imported'] / took:,.0f} residents/s "
              f"({took * 1000 / done:.2f} ms each)   goal >= 5,000/s")
        print(f"  {workers} worker process(es) cleaning and validating "
              f"ahead; the writer's CPU {cpu * 1000 / done:.3f} ms per resident, "
              f"{counter.n / done:.3f} SQL statements and {wrote / done / 1024:.1f} KiB written "
              f"per resident; batches of {importer.BATCH}; {load()}")  # fmt: skip
        store.query_hook = None
        compare_workers(Path(tmp), people[:SAME])

        with store.session() as s:
            count = s.execute(select(func.count()).select_from(Resident)).scalar_one()
            terms = s.execute(select(func.count()).select_from(ResidentTerm)).scalar_one()
            sample = list(s.execute(select(Resident).order_by(func.random()).limit(200)).scalars())
        print(f"search terms: {terms / count:.1f} per resident")
        q = queries(sample, rng)

        plain = Path(tmp) / "plain.db"
        plain_copy(data / "cunyi.db", store.data_key, plain)
        plain_store = PlainStore(plain)
        print(f"\n{'search (limit ' + str(LIMIT) + ')':22} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'cpu p95':>8} {'plain p95':>9} {'ratio':>6} {'hits p50':>8}")  # fmt: skip
        for kind, terms_ in q.items():
            enc, cpu, pln, hits = [], [], [], []
            for term in terms_:
                enc += timed(lambda t=term: residents.find(store, t, limit=LIMIT), 2, cpu)
                pln += timed(lambda t=term: residents.find(plain_store, t, limit=LIMIT), 2)  # type: ignore[arg-type]
                hits.append(len(residents.find(store, term)))
            print(f"{kind:22} {pct(enc, 50):7.2f} {pct(enc, 95):7.2f} {pct(cpu, 95):8.2f} "
                  f"{pct(pln, 95):9.2f} {pct(enc, 95) / pct(pln, 95):6.2f} "
                  f"{statistics.median(hits):8.0f}")  # fmt: skip
        print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              "cpu = this thread's CPU time, free of other processes)")  # fmt: skip

        # SQLCipher's memory security (wiping every freed buffer): its cost on the same searches,
        # measured alternately on two engines of the same file.
        from app.db.engine import make_engine

        wiping = Store(data, store.keyfile, make_engine(data / "cunyi.db", store.data_key,
                                                        memory_security=True),
                       store.user, store.data_key)  # fmt: skip
        plain_off, wiped = [], []
        for terms_ in q.values():
            for term in terms_:
                plain_off += timed(lambda t=term: residents.find(store, t, limit=LIMIT), 2)
                wiped += timed(lambda t=term: residents.find(wiping, t, limit=LIMIT), 2)
        wiping.close()
        # The setting is global to SQLCipher in the process: off again before the write figures.
        with store.cursor() as c:
            c.execute("PRAGMA cipher_memory_security = OFF")
        print(f"cipher_memory_security ON: search p50 x{pct(wiped, 50) / pct(plain_off, 50):.2f}, "
              f"p95 x{pct(wiped, 95) / pct(plain_off, 95):.2f} of OFF (all kinds together)")

        extra = households(n + 900, seed=99, today=today)[n:]
        t = time.perf_counter()
        done = 0
        with store.session(write=True) as s:
            for p in extra[400:900]:
                try:
                    residents.add_in(s, store, p.data, allow_similar=True)
                    done += 1
                except Exception:  # noqa: BLE001 - an ID drawn by both seeds: skip it
                    pass
        orm = done / (time.perf_counter() - t)
        print(f"baseline, one add_in (a batch of one) per row in one transaction: {orm:,.0f} "
              f"residents/s (bulk path x{report['imported'] / took / orm:.1f})")  # fmt: skip
        adds, cpus = [], []
        counter = Counter(store)
        for p in extra[:300]:
            t, cpu, before = time.perf_counter(), time.process_time(), counter.n
            try:
                residents.add(store, p.data)
            except Exception:  # noqa: BLE001 - an ID drawn by both seeds, a similar resident: skip
                continue
            adds.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            statements = counter.n - before
        store.query_hook = None
        print(f"\nresident add (history+audit+outbox): p50 {pct(adds, 50):.1f} ms, "
              f"p95 {pct(adds, 95):.1f} ms over {len(adds)}   goal p95 <= 30 ms")
        print(f"  CPU p50 {pct(cpus, 50):.2f} ms, p95 {pct(cpus, 95):.2f} ms; {statements} SQL "
              f"statements per add (similar-resident check included); {load()}")  # fmt: skip
        total = residents.count(store) + residents.count(store, status="merged")
        store.close()

        logins = []
        for _ in range(7):
            t = time.perf_counter()
            Store.open(data, USER, PASSWORD).close()  # production cost (Argon2id, 64 MiB, t=3)
            logins.append(time.perf_counter() - t)
        from app.crypto.keyfile import KeyFile

        kf = KeyFile.load(data / "keys.json")
        unwrap = min(timed(lambda: kf.unwrap(USER, PASSWORD), 5)) / 1000
        print(f"login: median {statistics.median(logins):.3f} s (Argon2id unwrap {unwrap:.3f} s)   "
              "goal <= 0.5 s")

        # The audit-chain anchors (head file, backup manifests) that every login and `check`
        # compare: their share of a login, and of a whole check, at this size.
        from app.services import backup as backups
        from app.services import integrity

        checked = Store.open(data, USER, PASSWORD)
        for n in range(3):
            backups.write_backup(checked, data / "backups" / f"bench-{n}.cunyibak", auto=True)
        anchor_ms = statistics.median(timed(checked.check_anchors, 7))
        t = time.perf_counter()
        integrity.check_store(checked)
        whole = time.perf_counter() - t
        checked.close()
        print(f"audit anchors: {anchor_ms:.2f} ms (head file + 3 backup manifests); whole check "
              f"{whole:.1f} s")

        conn = sqlcipher3.connect(str(data / "cunyi.db"))
        conn.execute(f"PRAGMA key = \"x'{kf.unwrap(USER, PASSWORD).hex()}'\"")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        size = (data / "cunyi.db").stat().st_size
        print(f"database: {size / 1e6:.1f} MB for {total} residents = "
              f"{size / total / 1024:.2f} KiB per resident (plain copy "
              f"{plain.stat().st_size / count / 1024:.2f} KiB)")


if __name__ == "__main__":
    main()
