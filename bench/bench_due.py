"""Figures for the due list and the indicators at 50,000 residents / 200,000 records
(run: python bench/bench_due.py [RESIDENTS] [RECORDS]). Goals (issue 14): due list <= 1 s,
`cunyi stats` <= 2 s.

Residents come from the demo generator through the bulk import (as bench_store.py); the records
are written straight into the table (a large pull would write them the same way: no history
needed for a figure), follow-ups for the hypertension and diabetes patients, yearly exams for
them and the elderly, with documents from forms.examples. Printed, not asserted; the ratio
compares the same calls without the planner's statistics (what every installation had before
migration 0008), in the same process.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from app.db import planner  # noqa: E402
from app.services import due, importer, indicators  # noqa: E402
from app.services.demo_people import households  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402
from forms.examples import example  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load unknown"


def records_for(store: Store, total: int, today: dt.date, rng: random.Random) -> int:
    """Follow-ups every ~3 months back from today, exams yearly, until `total` rows."""
    with store.session() as s:
        people = list(s.execute(text("SELECT uuid, tags, birth_date FROM resident")))
    docs = {f: example(f) for f in ("htn_followup", "dm_followup", "health_exam")}
    elderly = dt.date(today.year - 65, 12, 31).isoformat()
    plan: list[tuple[str, str]] = []
    for u, tags, birth in people:
        tags = set((tags or "").split())
        if "htn" in tags:
            plan += [(u, "htn_followup")] * 12
        if "dm" in tags:
            plan += [(u, "dm_followup")] * 12
        if tags or birth <= elderly:
            plan += [(u, "health_exam")] * 3
    # Most residents are neither: the rest of the rows are their consultations-like exams.
    others = [u for u, tags, birth in people if not tags and birth > elderly]
    while len(plan) < total:
        plan.append((rng.choice(others), "health_exam"))
    plan = plan[:total]
    seen: dict[tuple[str, str], int] = {}
    rows = []
    now = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    for u, form in plan:
        k = seen.get((u, form), 0)
        seen[(u, form)] = k + 1
        step = 91 if form != "health_exam" else 365
        day = today - dt.timedelta(days=k * step + rng.randrange(0, 40))
        doc = dict(docs[form], visit_date=day.isoformat())
        if form != "health_exam":
            doc["classification"] = rng.choice("1111112234")
            doc["sbp"], doc["dbp"] = rng.randrange(115, 175), rng.randrange(70, 105)
            doc["next_visit_date"] = (day + dt.timedelta(days=rng.choice((14, 90)))).isoformat()
            if form == "dm_followup":
                doc["fasting_glucose"] = round(rng.uniform(5.0, 11.0), 1)
        rows.append({"uuid": str(uuid.uuid4()), "r": u, "f": form, "d": day.isoformat(),
                     "doc": json.dumps(doc, ensure_ascii=False), "t": now})  # fmt: skip
    with store.session(write=True) as s:
        insert_records(s, rows)
    return len(rows)


def insert_records(s: Any, rows: list[dict[str, Any]]) -> None:
    """Final records written straight into the table (keys uuid, r, f, d, doc, t), in parts:
    how the benches seed their visits (the writer's path per record would take minutes)."""
    for i in range(0, len(rows), 5000):
        s.execute(text(
            "INSERT INTO record (uuid, resident_uuid, form, edition, visit_date, doc, status, "
            "rev, created_at, updated_at, created_by, updated_by) VALUES (:uuid, :r, :f, "
            "'2017', :d, :doc, 'final', 1, :t, :t, 'bench', 'bench')"), rows[i : i + 5000])  # fmt: skip


def timed(fn, n: int = 5) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median wall-clock and thread-CPU seconds of n calls after a warm-up, and the last result."""
    out = fn()
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.thread_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


OLD_CHUNK = 500
OLD_CHUNKS = 6  # of ~30 at 50,000 residents: enough for the rate, bounded in time


def _old_query(store: Store) -> tuple[float, float, int]:
    with store.session() as s:
        uuids = [u for (u,) in s.execute(text(
            "SELECT uuid FROM resident WHERE status = 'active' AND tags != ''"))]  # fmt: skip
        batches = [uuids[i : i + OLD_CHUNK] for i in range(0, len(uuids), OLD_CHUNK)]
        t, c = time.perf_counter(), time.thread_time()
        for batch in batches[:OLD_CHUNKS]:
            marks = ",".join(f"'{u}'" for u in batch)
            s.execute(text(
                "SELECT resident_uuid, form, visit_date, json_extract(doc, '$.next_visit_date') "
                f"FROM record WHERE resident_uuid IN ({marks}) AND form IN ('htn_followup', "
                "'dm_followup', 'health_exam') AND status = 'final' ORDER BY visit_date")).all()  # fmt: skip
        share = len(batches) / min(OLD_CHUNKS, len(batches))
        return (time.perf_counter() - t) * share, (time.thread_time() - c) * share, len(batches)


def baseline(store: Store, new_cpu: float) -> None:
    """The due list's query before issue 14 (the records of each batch of 500 residents, read
    with their documents), on the same data, with and without the planner's statistics: a few
    batches timed, the whole list extrapolated."""
    took, took_cpu, n = _old_query(store)
    with store.session(write=True) as s:
        s.execute(text("DELETE FROM sqlite_stat1"))
        s.execute(text("ANALYZE sqlite_schema"))  # reloads the (now empty) statistics
    store.engine.dispose()
    blind, blind_cpu, _n = _old_query(store)
    planner.refresh_store(store)
    store.engine.dispose()
    print(f"baseline, the old due list's record query over {n} batches (extrapolated from "
          f"{min(OLD_CHUNKS, n)}): wall {took:.2f} s / cpu {took_cpu:.2f} s with statistics, "
          f"wall {blind:.2f} s / cpu {blind_cpu:.2f} s without; the new whole due list's cpu is "
          f"x{new_cpu / max(blind_cpu, 1e-9):.2f} of the old query's alone")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    today = dt.date.today()
    rng = random.Random(14)
    keep = os.environ.get("CUNYI_BENCH_DIR")  # made once and kept there, for profiling
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-due-") as tmp:
        data = Path(keep or tmp) / "data"
        if keep and Store.exists(data):
            store = Store.open(data, USER, PASSWORD)
            report, written, wrote = {"imported": n}, total, 0.0
        else:
            store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室", user=USER,
                                    password=PASSWORD)  # fmt: skip
            people = households(n, seed=1, today=today)
            report = importer.import_rows(store, [Row(i + 2, p.data) for i, p in enumerate(people)])
            t = time.perf_counter()
            written = records_for(store, total, today, rng)
            wrote = time.perf_counter() - t
        t = time.perf_counter()
        planner.refresh_store(store)
        analyze = time.perf_counter() - t
        with store.session() as s:
            tags = dict(s.execute(text("SELECT tags, count(*) FROM resident GROUP BY tags")).all())
        print(f"machine: {os.cpu_count()} cores, {load()}")
        print(f"residents {report['imported']:,} (tags {tags}); records {written:,} written in "
              f"{wrote:.1f} s; ANALYZE (analysis_limit {planner.ANALYSIS_LIMIT}) {analyze:.2f} s")
        until = (today + dt.timedelta(days=31)).isoformat()
        with store.session() as s:
            one = s.execute(text("SELECT uuid FROM resident WHERE tags LIKE '%htn%' LIMIT 1")).scalar()
        cases = {
            "due list, this month": lambda: due.list_due(store, until=until),
            "due list, one village": lambda: due.list_due(store, until=until, village="201"),
            "due list, htn only": lambda: due.list_due(store, until=until, programme="htn"),
            # issue 16: the TB rules read the 既往史 of every active resident (json_each) for
            # the notifications; the SMI rule the latest follow-ups' documents
            "due list, tb only": lambda: due.list_due(store, until=until, programme="tb"),
            "due list, smi only": lambda: due.list_due(store, until=until, programme="smi"),
            "due, one resident (view)": lambda: due.for_resident(store, one),
            "stats, whole institution": lambda: indicators.stats(store, today.year),
            "stats --detail": lambda: indicators.stats(store, today.year, detail=True),
        }
        goal = {"due": 1.0, "sta": 2.0}
        with_stats, cpu_of = {}, {}
        print(f"\n{'call':28} {'wall s':>7} {'cpu s':>7} {'items':>7}  goal")
        for name, fn in cases.items():
            wall, cpu, out = timed(fn)
            with_stats[name], cpu_of[name] = wall, cpu
            count = len(out) if isinstance(out, list) else 0  # type: ignore[arg-type]
            print(f"{name:28} {wall:7.3f} {cpu:7.3f} {count:7,}  <= {goal[name[:3]]} s")
        baseline(store, cpu_of["due list, this month"])
        if keep:
            store.close()
            return
        # The same calls without statistics: what the planner does without ANALYZE.
        with store.session(write=True) as s:
            s.execute(text("DELETE FROM sqlite_stat1"))
            s.execute(text("ANALYZE sqlite_schema"))  # reloads the (now empty) statistics
        store.engine.dispose()
        print("\nwithout the planner's statistics (as before migration 0008's ANALYZE):")
        for name in ("due list, this month", "stats, whole institution"):
            wall, cpu, _out = timed(cases[name], 2)
            print(f"{name:28} wall {wall:7.3f} s, cpu {cpu:.3f} s: x{cpu / cpu_of[name]:.1f} of the "
                  "cpu with statistics")
        print(f"({load()})")
        store.close()


if __name__ == "__main__":
    main()
