"""The time of a key rotation (issue 12) at 50,000 residents and 200,000 records.

Run: python bench/bench_rotation.py [RESIDENTS] [RECORDS]

Residents go in through the bulk import (as bench_store). Records: the first ones through
records.add_in (record, version, audit entry, outbox row: the real path), then copied row for row
at the SQL level to the other residents until RECORDS (add_in takes ~5 ms a record: 200,000 would
take a quarter of an hour, and a rekey's time depends on the file's pages, not on how they were
written). Printed, not asserted: the rotation that disabling a user does, with its baseline in the
same process, a page-for-page copy of the same database with SQLite's backup API (what a backup
does first); the login after it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from app.db.models import Record, Resident  # noqa: E402
from app.services import backup, demo, importer, records, users  # noqa: E402
from app.services.demo_people import households  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"
REAL_RECORDS = 2_000


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load unknown"


def copy_records(store: Store, target: int) -> int:
    """Copies of the records written by add_in (with their version and outbox rows), each for
    another resident, until there are `target`."""
    with store.session(write=True) as s:
        conn = s.connection()
        have = s.execute(select(func.count()).select_from(Record)).scalar_one()
        base = have
        while have < target:
            n = min(base, target - have)
            # A fresh uuid per copy; resident chosen round-robin; record columns as written.
            conn.exec_driver_sql("""
                CREATE TEMP TABLE IF NOT EXISTS pick AS
                SELECT uuid, row_number() OVER (ORDER BY record_no) AS rn FROM resident""")
            conn.exec_driver_sql(f"""
                INSERT INTO record (uuid, resident_uuid, form, edition, visit_date, doc, status, rev,
                                    created_at, updated_at, created_by, updated_by)
                SELECT lower(hex(randomblob(16))), p.uuid, r.form, r.edition, r.visit_date, r.doc,
                       r.status, r.rev, r.created_at, r.updated_at, r.created_by, r.updated_by
                FROM (SELECT *, row_number() OVER (ORDER BY uuid) AS k FROM record LIMIT {base}) r
                JOIN pick p ON p.rn = 1 + ((r.k + {have}) % (SELECT count(*) FROM pick))
                LIMIT {n}""")
            conn.exec_driver_sql(f"""
                INSERT INTO version (entity, entity_uuid, rev, action, data, changes, at, user)
                SELECT 'record', r.uuid, 1, 'create', r.doc, r.doc, r.created_at, r.created_by
                FROM record r WHERE r.rowid > (SELECT max(rowid) FROM record) - {n}""")
            conn.exec_driver_sql(f"""
                INSERT INTO outbox (mutation_id, entity, entity_uuid, op, changes,
                                    created_at, user, state, attempts)
                SELECT lower(hex(randomblob(16))), 'record', r.uuid, 'create', r.doc,
                       r.created_at, r.created_by, 'pending', 0
                FROM record r WHERE r.rowid > (SELECT max(rowid) FROM record) - {n}""")
            have += n
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.pick")
    return have


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    today = dt.date.today()
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-rot-") as tmp:
        data = Path(tmp) / "data"
        store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室", user=USER,
                                password=PASSWORD)  # fmt: skip
        people = households(n, seed=1, today=today)
        t = time.perf_counter()
        report = importer.import_rows(store, [Row(i + 2, p.data) for i, p in enumerate(people)])
        print(f"residents: {report['imported']:,} imported in {time.perf_counter() - t:.0f} s")
        demo.plan_records(people, 1, today)
        with store.session() as s:
            by_id = dict(s.execute(select(Resident.id_number, Resident.uuid)).all())
        t, real = time.perf_counter(), 0
        with store.session(write=True) as s:
            for p in people:
                uuid = by_id.get(p.data.get("id_number"))
                for form, doc in p.records if uuid else ():
                    if real < REAL_RECORDS:
                        records.add_in(s, store, uuid, form, doc, confirmed=True)
                        real += 1
        took = time.perf_counter() - t
        t = time.perf_counter()
        total = copy_records(store, want)
        print(f"records: {real:,} through records.add_in ({took * 1000 / max(real, 1):.1f} ms each), "
              f"copied to {total:,} in {time.perf_counter() - t:.0f} s")
        users.add(store, "nurse1", "nurse", "nurse-pw-77")
        users.add(store, "doctor1", "doctor", "doctor-pw-88")
        with store.cursor() as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = (data / "cunyi.db").stat().st_size
        print(f"database: {size / 1e6:.0f} MB; machine: {os.cpu_count()} cores, {load()}")

        copies = []
        for i in range(2):
            t = time.perf_counter()
            backup.copy_database(store, Path(tmp) / f"copy{i}.db")
            copies.append(time.perf_counter() - t)
            (Path(tmp) / f"copy{i}.db").unlink()
        t = time.perf_counter()
        out = users.disable(store, "nurse1")
        rotation = time.perf_counter() - t
        t = time.perf_counter()
        users.reset_password(store, "doctor1", "doctor-pw-99", compromised=True)
        second = time.perf_counter() - t
        copy = min(copies)
        print(f"key rotation (disable a user: new key sealed to {out['resealed']} slots, rekey, "
              f"switch): {rotation:.1f} s; a compromised-password reset {second:.1f} s; "
              f"baseline, a page-for-page copy of the same database {copy:.1f} s "
              f"(rotation x{rotation / copy:.1f}); {size / 1e6 / rotation:.0f} MB/s; {load()}")
        store.close()
        t = time.perf_counter()
        Store.open(data, USER, PASSWORD).close()
        print(f"login after the rotation: {time.perf_counter() - t:.2f} s (Argon2id, production cost)")


if __name__ == "__main__":
    main()
