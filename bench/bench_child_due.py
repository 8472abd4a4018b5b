"""Figures for the children's due list and indicators at 10,000 children (issue 15)
(run: python bench/bench_child_due.py [CHILDREN]).

The children (born over the last seven years, no ID numbers) come through the bulk import;
their check records (about 80% of the slots already past, with their `slot`) are written
straight into the table, as bench_due.py writes its follow-ups. Printed, not asserted: the wall
and CPU medians of `cunyi due --programme child`'s call, one child's items (the resident view)
and `cunyi stats`, and the ratio of the child due list to the same clinic's whole due list
without the children's rules (what the children cost on top of issue 14's list).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from app.db import planner  # noqa: E402
from app.services import due, importer, indicators  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402
from bench.bench_due import AREA, PASSWORD, USER, insert_records, load, timed  # noqa: E402
from forms import schedule  # noqa: E402
from forms.rules import default  # noqa: E402

GIVEN = "浩然子涵欣怡梓轩一诺雨桐宇轩诗涵俊杰思琪"


def children(n: int, today: dt.date, rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        birth = today - dt.timedelta(days=rng.randrange(0, 7 * 365))
        name = "王李张刘陈杨"[i % 6] + GIVEN[rng.randrange(len(GIVEN))] + GIVEN[rng.randrange(len(GIVEN))]
        out.append({"name": name, "sex": "12"[i % 2], "birth_date": birth.isoformat(), "village": "201"})
    return out


def slot_records(store: Store, today: dt.date, rng: random.Random) -> int:
    rule = default().rule("child_check")
    tcm = default().rule("child_tcm")
    with store.session() as s:
        people = list(s.execute(text("SELECT uuid, birth_date FROM resident")))
    now = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    rows = []
    for u, birth in people:
        b = dt.date.fromisoformat(birth)
        for r in (rule, tcm):
            for sl in schedule.slots_of(r, b):
                if sl.start > today or rng.random() > 0.8:
                    continue
                doc = {"visit_date": min(sl.start + dt.timedelta(days=rng.randrange(0, 10)), today).isoformat(),
                       "slot": sl.slot}  # fmt: skip
                if sl.form == "child_1_8m" and sl.slot in ("6", "8"):
                    doc["hemoglobin"] = 120
                rows.append({"uuid": str(uuid.uuid4()), "r": u, "f": sl.form, "d": doc["visit_date"],
                             "doc": json.dumps(doc), "t": now})  # fmt: skip
    with store.session(write=True) as s:
        insert_records(s, rows)
    return len(rows)


def htn_patients(store: Store, n: int, today: dt.date, rng: random.Random) -> int:
    """`n` hypertension patients (adults, tag htn) with 10 follow-ups each, about every 3
    months back from today: the comparison the children's list is measured against."""
    now = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    people, rows = [], []
    for i in range(n):
        who = str(uuid.uuid4())
        people.append({"uuid": who, "no": f"{AREA}9{i + 1:04d}", "t": now})
        for k in range(10):
            day = (today - dt.timedelta(days=91 * k + rng.randrange(120))).isoformat()
            doc = {"visit_date": day, "classification": rng.choice("1111112234"), "sbp": 130, "dbp": 80,
                   "next_visit_date": (dt.date.fromisoformat(day) + dt.timedelta(days=90)).isoformat()}  # fmt: skip
            rows.append({"uuid": str(uuid.uuid4()), "r": who, "f": "htn_followup", "d": day,
                         "doc": json.dumps(doc), "t": now})  # fmt: skip
    with store.session(write=True) as s:
        s.execute(text(
            "INSERT INTO resident (uuid, record_no, name, sex, birth_date, village, status, tags, doc, "
            "edition, rev, created_at, updated_at, created_by, updated_by, provisional) VALUES (:uuid, :no, "
            "'测试', '1', '1960-01-01', '201', 'active', 'htn', '{}', '2017', 1, :t, :t, 'bench', 'bench', 0)"),
            people)  # fmt: skip
        insert_records(s, rows)
    return len(rows)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    today, rng = dt.date.today(), random.Random(15)
    keep = os.environ.get("CUNYI_BENCH_DIR")  # made once and kept there, for profiling
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-child-") as tmp:
        data = Path(keep or tmp) / "data"
        if keep and Store.exists(data):
            store = Store.open(data, USER, PASSWORD)
            report, imported, written, htn = {"imported": n}, 0.0, 0, 0
        else:
            store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室",
                                    user=USER, password=PASSWORD)  # fmt: skip
            t = time.perf_counter()
            report = importer.import_rows(store, [Row(i + 2, c) for i, c in enumerate(children(n, today, rng))])  # fmt: skip
            imported = time.perf_counter() - t
            written = slot_records(store, today, rng)
            htn = htn_patients(store, n, today, rng)
        planner.refresh_store(store)
        print(f"machine: {os.cpu_count()} cores, {load()}")
        print(f"children {report['imported']:,} imported in {imported:.1f} s; check records {written:,}; "
              f"{n:,} hypertension patients, {htn:,} follow-ups")  # fmt: skip
        with store.session() as s:
            one = s.execute(text("SELECT uuid FROM resident LIMIT 1")).scalar()
        cases = {
            "due --programme child": lambda: due.list_due(store, programme="child"),
            "due --programme htn": lambda: due.list_due(store, programme="htn"),
            "due, one child (view)": lambda: due.for_resident(store, one),
            "stats (all indicators)": lambda: indicators.stats(store, today.year),
        }
        walls, cpus = {}, {}
        print(f"\n{'call':28} {'wall s':>7} {'cpu s':>7} {'items':>7}")
        for name, fn in cases.items():
            wall, cpu, out = timed(fn, 3)
            walls[name], cpus[name] = wall, cpu
            print(f"{name:28} {wall:7.3f} {cpu:7.3f} {len(out) if isinstance(out, list) else 0:7,}")  # type: ignore[arg-type]
        per = walls["due --programme child"] / max(n, 1) * 1e6
        print(f"\nchild due list: {per:.0f} µs per child; x{walls['due --programme child'] / max(walls['due, one child (view)'], 1e-9):.0f} "
              f"of one child's items")  # fmt: skip
        print(f"cpu ratio child / htn due list: x{cpus['due --programme child'] / max(cpus['due --programme htn'], 1e-9):.2f} "
              f"({load()})")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
