"""Figures for the children's growth evaluation at 10,000 children (issue 15)
(run: python bench/bench_growth.py [CHILDREN]).

Children 0-6 come through the bulk import (as bench_due.py's residents); each gets the child
health checks of its age (满月 … 6岁, up to 12 records), written straight into the record table
with measurements spread around the WHO medians. Printed, not asserted; figures are ratios to a
call of the same kind the program already makes, and throughputs:
- `growth.of_resident` (what `cunyi growth REF` does once logged in) against `records.list_for`
  (the resident's record list, `cunyi record list REF`) for the same child;
- the `cunyi growth REF --json` command against `cunyi resident show REF --json` (both start a
  process and log in: that is most of either);
- the evaluation alone, for every child's measurements: measurements per second, and its time
  against reading those records from the store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.services import growth, importer, records  # noqa: E402
from app.services.import_table import Row  # noqa: E402
from app.store import Store  # noqa: E402
from bench.bench_due import insert_records  # noqa: E402
from forms import growth as engine  # noqa: E402

USER, PASSWORD = "bench", "liu-shu-8842"
AREA = "130123101201"
# (form, slot, age in days) of the checks, as the forms' columns name them.
CHECKS = [("child_1_8m", "1", 30), ("child_1_8m", "3", 92), ("child_1_8m", "6", 183),
          ("child_1_8m", "8", 244), ("child_12_30m", "12", 366), ("child_12_30m", "18", 548),
          ("child_12_30m", "24", 731), ("child_12_30m", "30", 913), ("child_3_6y", "36", 1096),
          ("child_3_6y", "48", 1461), ("child_3_6y", "60", 1827), ("child_3_6y", "72", 2192)]  # fmt: skip


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load unknown"


def timed(fn, n: int = 7) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median wall-clock and thread-CPU seconds of n calls after a warm-up (the machine is
    shared: CPU time is the steadier figure), and the last result."""
    out = fn()
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.thread_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "小明红华军丽强芳伟静磊洋敏燕杰娟涛超霞"


def children(n: int, today: dt.date, rng: random.Random) -> list[Row]:
    rows = []
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        birth = today - dt.timedelta(days=rng.randrange(20, 6 * 365))
        rows.append(Row(i + 2, {"name": name, "sex": rng.choice("12"),
                                "birth_date": birth.isoformat(), "village": "201"}))  # fmt: skip
    return rows


def checks_for(store: Store, today: dt.date, rng: random.Random) -> int:
    with store.session() as s:
        kids = list(s.execute(text("SELECT uuid, sex, birth_date FROM resident")))
    now = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    rows = []
    for u, sex, birth in kids:
        born = dt.date.fromisoformat(birth)
        who = engine.sex_key(sex) or "male"
        for form, slot, days in CHECKS:
            day = born + dt.timedelta(days=days)
            if day > today:
                break
            z = rng.gauss(0, 1)  # the child's own track, around the median
            w = engine.lms_value(engine._lms_at("wfa", who, days, 0 if days < 730 else 1) or {}, z)
            h = engine.lms_value(engine._lms_at("lhfa", who, days, 0 if days < 730 else 1) or {},
                                 z * 0.8)  # fmt: skip
            doc = {"slot": slot, "visit_date": day.isoformat(), "weight_kg": round(w, 2),
                   "height_cm": round(h, 1)}  # fmt: skip
            if form == "child_1_8m":
                doc["head_cm"] = round(engine.lms_value(engine._lms_at("hcfa", who, days, 0) or {}, z), 1)
            rows.append({"uuid": str(uuid.uuid4()), "r": u, "f": form, "d": day.isoformat(),
                         "doc": json.dumps(doc), "t": now})  # fmt: skip
    with store.session(write=True) as s:
        insert_records(s, rows)
    return len(rows)


def cli(data: Path, *args: str) -> float:
    """CPU seconds (user + system) of one `cunyi` process."""
    env = dict(os.environ, CUNYI_DATA_DIR=str(data), CUNYI_USER=USER, CUNYI_PASSWORD=PASSWORD,
               PYTHONPATH=str(ROOT))  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"cunyi {' '.join(args)}: {out.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    today = dt.date.today()
    rng = random.Random(15)
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-growth-") as tmp:
        data = Path(tmp) / "data"
        store, _ = Store.create(data, area=AREA, institution_name="基准测试卫生室", user=USER,
                                password=PASSWORD)  # fmt: skip
        t = time.perf_counter()
        report = importer.import_rows(store, children(n, today, rng), allow_similar=True)
        imported = time.perf_counter() - t
        t = time.perf_counter()
        written = checks_for(store, today, rng)
        wrote = time.perf_counter() - t
        print(f"machine: {os.cpu_count()} cores, {load()}")
        print(f"children {report['imported']:,} imported in {imported:.1f} s; child checks "
              f"{written:,} written in {wrote:.1f} s")
        with store.session() as s:
            # The child with the most checks (6 years old): the longest growth list.
            one, no = s.execute(text(
                "SELECT r.uuid, r.record_no FROM resident r JOIN record c ON c.resident_uuid = r.uuid "
                "GROUP BY r.uuid ORDER BY count(*) DESC LIMIT 1")).one()  # fmt: skip

        g_wall, g_cpu, out = timed(lambda: growth.of_resident(store, one))
        l_wall, l_cpu, _ = timed(lambda: records.list_for(store, one))
        m = len(out["measurements"])  # type: ignore[index]
        print(f"\none child ({m} measurements) in a store of {n:,} children:")
        print(f"  growth.of_resident cpu {g_cpu * 1000:.1f} ms = x{g_cpu / l_cpu:.2f} of "
              f"records.list_for cpu {l_cpu * 1000:.1f} ms (the record list of the same child); "
              f"wall {g_wall * 1000:.1f} / {l_wall * 1000:.1f} ms")

        with store.session() as s:
            q = text("SELECT r.uuid, r.sex, r.birth_date, c.form, c.edition, c.visit_date, c.doc "
                     "FROM record c JOIN resident r ON r.uuid = c.resident_uuid ORDER BY r.uuid")
            t = time.perf_counter()
            rows = s.execute(q).all()
            read = time.perf_counter() - t
        by_child: dict[tuple[str, str, str], list[dict]] = {}
        for u, sex, birth, form, edition, day, doc in rows:
            by_child.setdefault((u, sex, birth), []).append(
                {"form": form, "edition": edition, "visit_date": day, "doc": json.loads(doc)})
        t, c = time.perf_counter(), time.thread_time()
        count = sum(len(growth.measurements(sex, birth, recs))
                    for (_u, sex, birth), recs in by_child.items())  # fmt: skip
        took, cpu = time.perf_counter() - t, time.thread_time() - c
        print(f"\nevery child's measurements evaluated ({count:,} measurements, {len(by_child):,} "
              f"children): {count / took:,.0f} measurements/s ({cpu / count * 1e6:.0f} µs cpu each); "
              f"x{took / read:.1f} of reading those {len(rows):,} records ({read:.2f} s)")

        store.close()
        runs = [(cli(data, "growth", no, "--json"), cli(data, "resident", "show", no, "--json"))
                for _ in range(5)]
        gw = statistics.median(a for a, _b in runs)
        sw = statistics.median(b for _a, b in runs)
        print(f"\n`cunyi growth REF --json` cpu {gw:.2f} s = x{gw / sw:.2f} of `cunyi resident show "
              f"REF --json` cpu {sw:.2f} s (both start a process and log in) at {n:,} children")


if __name__ == "__main__":
    main()
