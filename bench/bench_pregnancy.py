"""Figures for the maternal programme: the pregnancies are grouped from the records on every
call (forms/pregnancy.py, docs/decisions/pregnancy-episodes.md), so this measures what that
costs (run: python bench/bench_pregnancy.py [WOMEN]; default 3,000 women, two pregnancies each,
about 13 records per woman: a township's several years).

Printed, not asserted: the maternal due list, the indicators, one woman's panel, and the
grouping alone; the ratio compares the maternal due list with the same call for hypertension
on as many patients with as many records.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from app.db import planner  # noqa: E402
from app.services import due, indicators, pregnancies  # noqa: E402
from app.store import Store  # noqa: E402
from bench.bench_due import insert_records, load  # noqa: E402
from forms import pregnancy as P  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"


def timed(fn, n: int = 5) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median wall-clock and thread-CPU seconds of n calls after a warm-up (CPU: less bent by
    the other processes of a shared machine), and the last result."""
    out = fn()
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.thread_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


def fill(store: Store, women: int, today: dt.date, rng: random.Random) -> int:
    """`women` women with two pregnancies (one delivered 1-3 years ago, one current or just
    delivered) and as many hypertension patients with as many follow-ups."""
    now = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    people, rows = [], []

    def record(who: str, form: str, day: dt.date, **doc: object) -> None:
        rows.append({"uuid": str(uuid.uuid4()), "r": who, "f": form, "d": day.isoformat(), "t": now,
                     "doc": json.dumps({"visit_date": day.isoformat(), **doc}, ensure_ascii=False)})  # fmt: skip

    for i in range(2 * women):
        who, maternal = str(uuid.uuid4()), i < women
        people.append({"uuid": who, "no": f"{AREA}{i + 1:05d}", "tags": "maternal" if maternal else "htn",
                       "sex": "2" if maternal else "1"})  # fmt: skip
        if not maternal:
            for k in range(13):
                record(who, "htn_followup", today - dt.timedelta(days=91 * k + rng.randrange(30)),
                       classification="1", sbp=130, dbp=80)  # fmt: skip
            continue
        for lmp in (today - dt.timedelta(days=rng.randrange(500, 1100)), today - dt.timedelta(days=rng.randrange(20, 330))):
            record(who, P.FIRST, lmp + dt.timedelta(weeks=rng.randrange(8, 14)), lmp=lmp.isoformat())
            for n, w in zip(range(2, 6), (18, 22, 30, 38), strict=True):
                if lmp + dt.timedelta(weeks=w) < today:
                    record(who, P.FOLLOWUP, lmp + dt.timedelta(weeks=w), visit_no=n, gest_weeks=w)
            birth = lmp + dt.timedelta(days=280)
            if birth + dt.timedelta(days=7) < today:
                record(who, P.VISIT, birth + dt.timedelta(days=6), delivery_date=birth.isoformat(),
                       discharge_date=(birth + dt.timedelta(days=2)).isoformat())  # fmt: skip
            if birth + dt.timedelta(days=43) < today:
                record(who, P.DAY42, birth + dt.timedelta(days=42), delivery_date=birth.isoformat(), outcome="1")
    with store.session(write=True) as s:
        s.execute(text(
            "INSERT INTO resident (uuid, record_no, name, sex, birth_date, village, status, tags, doc, "
            "edition, rev, created_at, updated_at, created_by, updated_by, provisional) VALUES (:uuid, :no, '测试', "
            ":sex, '1990-01-01', '201', 'active', :tags, '{}', '2017', 1, :t, :t, 'bench', 'bench', 0)"),
            [dict(p, t=now) for p in people])  # fmt: skip
        insert_records(s, rows)
    return len(rows)


def main() -> None:
    women = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000
    today = dt.date.today()
    keep = os.environ.get("CUNYI_BENCH_DIR")  # made once and kept there, for profiling
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-preg-") as tmp:
        data = Path(keep or tmp) / "data"
        if keep and Store.exists(data):
            store, written = Store.open(data, USER, PASSWORD), 0
        else:
            store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生院", user=USER,
                                    password=PASSWORD)  # fmt: skip
            written = fill(store, women, today, random.Random(15))
        planner.refresh_store(store)
        print(f"machine: {os.cpu_count()} cores, {load()}; {women:,} women and {women:,} hypertension "
              f"patients, {written:,} records")  # fmt: skip
        until = (today + dt.timedelta(days=31)).isoformat()
        with store.session() as s:
            one = s.execute(text("SELECT uuid FROM resident WHERE tags = 'maternal' LIMIT 1")).scalar()
            grouping, grouping_cpu, eps = timed(lambda: pregnancies.by_resident(s), 3)
        cases = {
            "due list, maternal": lambda: due.list_due(store, until=until, programme="maternal"),
            "due list, htn (same count)": lambda: due.list_due(store, until=until, programme="htn"),
            "stats, whole institution": lambda: indicators.stats(store, today.year),
            "pregnancy panel, one woman": lambda: pregnancies.of_resident(store, one),
        }
        n_eps = sum(len(e) for e in eps.values())  # type: ignore[attr-defined]
        print(f"reading and grouping every woman's records into {n_eps:,} pregnancies: wall "
              f"{grouping:.3f} s, cpu {grouping_cpu:.3f} s")
        got = {}
        print(f"{'call':30} {'wall s':>7} {'cpu s':>7} {'items':>7}")
        for name, fn in cases.items():
            wall, cpu, out = timed(fn)
            got[name] = cpu
            size = len(out) if isinstance(out, list) else 1
            print(f"{name:30} {wall:7.3f} {cpu:7.3f} {size:7,}")
        print(f"cpu ratio maternal / htn due list: x{got['due list, maternal'] / got['due list, htn (same count)']:.2f} "
              f"({load()})")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
