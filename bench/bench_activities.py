"""Figures for the health education log (issue 16): run `python bench/bench_activities.py [N]`.

Printed, not asserted: an activity's add (writer: version, outbox, audit) beside a follow-up
record's add on the same installation (the ratio is what to read: wall times follow the load),
the year's list and count for N activities, and the year printed (list plus one sheet each).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CUNYI_KDF_COST", "test")  # key wrapping is not what is measured here

from app import rules  # noqa: E402
from app.services import activities, indicators, records, residents  # noqa: E402
from app.store import Store  # noqa: E402
from forms.examples import example  # noqa: E402

KINDS = ("1", "2", "3", "4", "5", "6")


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main(n: int = 240) -> None:
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as d:
        store, _ = Store.create(Path(d) / "data", area="110105001101", institution_name="测试村卫生室",
                                user="bench", password="liu-shu-8842")  # fmt: skip
        r = residents.add(store, {"name": "张三", "sex": "1", "birth_date": "1958-04-05",
                                  "past_diseases": [{"code": "2"}]})["uuid"]  # fmt: skip
        year = dt.date.today().year - 1
        act_ms, rec_ms = [], []
        for i in range(n):
            day = dt.date(year, 1, 1) + dt.timedelta(days=i * 365 // n)
            kind = KINDS[i % len(KINDS)]
            doc = {**example("health_education"), "visit_date": day.isoformat(), "filled_date": day.isoformat(),
                   "activity_kind": kind}  # fmt: skip
            if kind in ("1", "2"):
                doc["material_kinds"] = 2
            act_ms.append(timed(lambda doc=doc: activities.add(store, doc)))
            visit = {**example("htn_followup"), "visit_date": day.isoformat(), "next_visit_date": None}
            visit = {k: v for k, v in visit.items() if v is not None}
            rec_ms.append(timed(lambda visit=visit: records.add(store, r, "htn_followup", visit, confirmed=True)))
        a50, r50 = statistics.median(act_ms), statistics.median(rec_ms)
        print(f"add, p50: activity {a50:.2f} ms, htn follow-up {r50:.2f} ms, ratio {a50 / r50:.2f}")
        listed = timed(lambda: activities.list_year(store, year))
        table = rules.for_store(store)
        counted = timed(lambda: activities.figures(store, table, year))
        stats = timed(lambda: indicators.stats(store, year))
        print(f"year of {n}: list {listed:.1f} ms, count {counted:.1f} ms, "
              f"share of cunyi stats {counted / stats:.2f}")  # fmt: skip
        out = io.BytesIO()
        pages = 0

        def run() -> None:
            nonlocal pages
            pages = activities.print_year(store, year, out)

        ms = timed(run)
        print(f"print the year: {pages} pages, {ms / pages:.1f} ms a page, {len(out.getvalue()) // 1024} KiB")
        store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 240)
