"""What SQLite alone costs to write imported residents, per table, for several term layouts
(run: python bench/bench_floor.py [BASE] [ADD]).

A store of BASE residents is imported for real, then ADD more; the rows those ADD residents
wrote (resident, search terms, version, outbox) are read back and written again with
`executemany`, no Python in between, onto copies of the BASE store in batches of the import's
size, once per layout. CPU time of this process per resident, per table and for the commit:
the floor under any import code, and what a change of the term table would gain.
FLOOR_CACHE=-200000 tries another page cache size (PRAGMA cache_size; the app uses -32000).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlcipher3  # noqa: E402

from app.services import importer  # noqa: E402
from app.services.demo_people import households  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"
TABLES = ("resident", "resident_term", "version", "outbox")

TERM = """CREATE TABLE resident_term_new (kind VARCHAR(1) NOT NULL, term TEXT NOT NULL,
    resident_uuid VARCHAR(36) NOT NULL, ord BIGINT, PRIMARY KEY (kind, term, resident_uuid))
    WITHOUT ROWID"""
FK_TERM = """CREATE TABLE resident_term_new (kind VARCHAR(1) NOT NULL, term TEXT NOT NULL,
    resident_uuid VARCHAR(36) NOT NULL, ord BIGINT, PRIMARY KEY (kind, term, resident_uuid),
    FOREIGN KEY (resident_uuid) REFERENCES resident (uuid)) WITHOUT ROWID"""
ROWID_TERM = """CREATE TABLE resident_term_new (kind VARCHAR(1) NOT NULL, term TEXT NOT NULL,
    rid INTEGER NOT NULL, ord BIGINT, PRIMARY KEY (kind, term, rid)) WITHOUT ROWID"""
BY_RESIDENT = "CREATE INDEX ix_resident_term_resident_uuid ON resident_term (resident_uuid)"


def _swap_term_table(create: str, select: str) -> list[str]:
    return ["DROP TRIGGER IF EXISTS resident_term_fill_ord",
            "DROP TRIGGER IF EXISTS resident_order_changed",
            create, f"INSERT INTO resident_term_new {select}",
            "DROP TABLE resident_term", "ALTER TABLE resident_term_new RENAME TO resident_term"]  # fmt: skip


LAYOUTS: dict[str, list[str]] = {
    "as built (0007)": [],
    # The others are copies in key order (denser pages than inserts leave): compare among them.
    "copied (0007)": _swap_term_table(TERM, "SELECT * FROM resident_term"),
    "copied, with the foreign key": _swap_term_table(FK_TERM, "SELECT * FROM resident_term"),
    "copied, FK + index (0006)": [*_swap_term_table(FK_TERM, "SELECT * FROM resident_term"),
                                      BY_RESIDENT],
    "copied, integer resident": _swap_term_table(
        ROWID_TERM, "SELECT t.kind, t.term, r.rowid, t.ord FROM resident_term AS t "
        "JOIN resident AS r ON r.uuid = t.resident_uuid ORDER BY 1, 2, 3"),
}  # fmt: skip


def connect(db: Path, key: bytes) -> Any:
    # The pragmas of app.db.engine: what an import runs under.
    conn = sqlcipher3.connect(str(db), isolation_level=None)
    for pragma in (f"key = \"x'{key.hex()}'\"", "cipher_memory_security = OFF", "journal_mode = WAL",
                   "synchronous = FULL", "foreign_keys = ON", "temp_store = MEMORY",
                   f"cache_size = {os.environ.get('FLOOR_CACHE', '-32000')}"):  # fmt: skip
        conn.execute(f"PRAGMA {pragma}")
    return conn


def captured(db: Path, key: bytes, since: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows the residents after the first `since` wrote, in the order they were written."""
    conn = connect(db, key)
    uuids = [u for (u,) in conn.execute("SELECT uuid FROM resident ORDER BY rowid LIMIT -1 OFFSET ?",
                                        (since,))]  # fmt: skip
    conn.execute("CREATE TEMP TABLE new_uuid (uuid TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO new_uuid VALUES (?)", [(u,) for u in uuids])
    rows = {
        "resident": conn.execute("SELECT * FROM resident WHERE uuid IN new_uuid ORDER BY rowid").fetchall(),
        "resident_term": conn.execute("SELECT * FROM resident_term WHERE resident_uuid IN new_uuid "
                                      "ORDER BY kind, term, resident_uuid").fetchall(),
        "version": conn.execute("SELECT * FROM version WHERE entity_uuid IN new_uuid ORDER BY id").fetchall(),
        "outbox": conn.execute("SELECT * FROM outbox WHERE entity_uuid IN new_uuid "
                               "ORDER BY device_seq").fetchall(),
        "household": conn.execute("SELECT * FROM household").fetchall(),
    }  # fmt: skip
    conn.close()
    return rows


def write(conn: Any, rows: dict[str, list[tuple[Any, ...]]], layout: str, batch: int) -> dict[str, float]:
    """CPU seconds per table and for the commits, writing `rows` in batches of `batch` residents."""
    spent = dict.fromkeys((*TABLES, "commit"), 0.0)
    residents = rows["resident"]
    by_resident: dict[str, list[tuple[Any, ...]]] = {}
    for t in rows["resident_term"]:
        by_resident.setdefault(t[2], []).append(t)
    # The households the import made come first, untimed (an import makes few).
    conn.executemany(_insert("household", rows["household"]).replace("INSERT", "INSERT OR IGNORE"),
                     rows["household"])  # fmt: skip
    for start in range(0, len(residents), batch):
        part = residents[start : start + batch]
        uuids = {r[0] for r in part}
        terms = sorted(t for u in uuids for t in by_resident.get(u, ()))
        conn.execute("BEGIN IMMEDIATE")
        t = time.process_time()
        conn.executemany(_insert("resident", part), part)
        t = _spent(spent, "resident", t)
        if layout.startswith("integer"):
            first = conn.execute("SELECT max(rowid) FROM resident").fetchone()[0] - len(part)
            rid = dict(conn.execute("SELECT uuid, rowid FROM resident WHERE rowid > ?", (first,)))
            t = time.process_time()  # the lookup stands for ids the writer would know
            terms = sorted((k, term, rid[u], o) for k, term, u, o in terms)
        conn.executemany(_insert("resident_term", terms), terms)
        t = _spent(spent, "resident_term", t)
        for table in ("version", "outbox"):
            chosen = [r for r in rows[table] if r[2 if table == "version" else 3] in uuids]
            t = time.process_time()
            conn.executemany(_insert(table, chosen), chosen)
            t = _spent(spent, table, t)
        conn.execute("COMMIT")
        _spent(spent, "commit", t)
    return spent


def _spent(spent: dict[str, float], step: str, since: float) -> float:
    now = time.process_time()
    spent[step] += now - since
    return now


def _insert(table: str, rows: list[tuple[Any, ...]]) -> str:
    return f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})"


def main() -> None:
    base = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    add = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    people = households(base + add, seed=1, today=dt.date.today())
    with tempfile.TemporaryDirectory(prefix="cunyi-floor-") as tmp:
        data = Path(tmp) / "data"
        store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室", user=USER,
                                password=PASSWORD)  # fmt: skip
        importer.import_rows(store, [Row(i + 2, p.data) for i, p in enumerate(people[:base])])
        key = store.data_key
        store.close()
        shutil.copytree(data, Path(tmp) / "base")
        store = Store.open(data, USER, PASSWORD)
        report = importer.import_rows(store, [Row(i + 2, p.data) for i, p in enumerate(people[base:])])
        store.close()
        rows = captured(data / "cunyi.db", key, since=base)
        n = len(rows["resident"])
        print(f"{base:,} residents, then {report['imported']:,} more written again per layout "
              f"({len(rows['resident_term']) / n:.1f} terms each); CPU ms per resident")
        print(f"{'layout':32} {'batch':>6} " + " ".join(f"{c[:9]:>9}" for c in (*TABLES, "commit", "total")))
        for attempt in range(2):
            for layout, ddl in LAYOUTS.items():
                for batch in (importer.BATCH, 2 * importer.BATCH):
                    copy = Path(tmp) / f"copy-{attempt}"
                    shutil.rmtree(copy, ignore_errors=True)
                    shutil.copytree(Path(tmp) / "base", copy)
                    conn = connect(copy / "cunyi.db", key)
                    for sql in ddl:
                        conn.execute(sql)
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    try:
                        spent = write(conn, rows, layout, batch)
                    except (sqlite3.Error, sqlcipher3.Error) as exc:
                        print(f"{layout}: {exc}")
                        continue
                    finally:
                        conn.close()
                    cells = [spent[c] * 1000 / n for c in (*TABLES, "commit")]
                    print(f"{layout:32} {batch:>6} " + " ".join(f"{c:9.3f}" for c in (*cells, sum(cells))))


if __name__ == "__main__":
    main()
