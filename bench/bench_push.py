"""The push path's figures (issue 17): a clinic's sync after 100 edits made on it, the server's
time to apply a push of 100 edits, and 20 concurrent clients pushing new residents.

    python bench/bench_push.py [--residents 4000] [--rounds 3] [--clients 20] [--db postgres|sqlite]

The same script measures an older checkout when CUNYI_BENCH_ROOT names it (e.g. `git archive
<commit> | tar -x -C /tmp/old`), so before/after can be run one after the other on this shared
machine; it prints the load average with each figure (only ratios within one run mean much).
Bench only: not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(os.environ.get("CUNYI_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
for p in (ROOT, ROOT / "bench", ROOT / "tests" / "sync"):
    sys.path.insert(0, str(p))

from bench_sync import postgres_up, push_throughput, seed, start_county, stop_county  # noqa: E402
from synchelp import Installation  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--batches", type=int, default=5, help="pushes of 50 per client")
    ap.add_argument("--db", choices=["sqlite", "postgres"],
                    default="postgres" if postgres_up() else "sqlite")  # fmt: skip
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-push-"))
    county = start_county(args.db, work)
    print(f"code: {ROOT}; {args.db}; {os.cpu_count()} shared cores")
    try:
        t = county.township()
        seed(county, t, args.residents, 1)
        hospital = Installation(work / "hospital", t + "000")
        hospital.enroll(county)
        from app.services import residents
        from sync.client import SyncClient

        SyncClient(hospital.store).run()
        ids = [r["uuid"] for r in residents.find(hospital.store, "", limit=100)]
        sync_secs = []
        for k in range(args.rounds):
            for i, u in enumerate(ids):  # edits on this machine (not timed), then one sync
                residents.update(hospital.store, u, {"address": f"本机修改{k}-{i}"})
            t0 = time.perf_counter()
            out = SyncClient(hospital.store).run()
            sync_secs.append(time.perf_counter() - t0)
            assert out["pushed"] == len(ids), out
            print(f"sync after 100 edits on the client: {sync_secs[-1]:.2f} s, pulled back "
                  f"{out['pulled']} ({load()})")  # fmt: skip
        hospital.close()
        print(f"  median {statistics.median(sync_secs):.2f} s")

        # The server alone: one push request of 100 edits (plain updates, base_rev current).
        import requests

        token = requests.post(county.api("/enroll"), json={"code": county.enroll_code(t + "001"),
                              "area": t + "001"}).json()["token"]  # fmt: skip
        push_secs = []
        for k in range(args.rounds):
            rows = county.query("SELECT uuid, rev, data FROM entity WHERE kind = 'resident' "
                                "AND area = :a ORDER BY uuid LIMIT 100", a=t + "001")  # fmt: skip
            changes = []
            for i, (u, rev, data) in enumerate(rows):
                data = json.loads(data) if isinstance(data, str) else data
                changes.append({"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": u,
                                "op": "update", "base_rev": rev,
                                "changes": {"address": {"old": data.get("address"), "new": f"县{k}-{i}"}}})  # fmt: skip
            t0 = time.perf_counter()
            r = requests.post(county.api("/sync/push"), json={"changes": changes},
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            push_secs.append(time.perf_counter() - t0)
            assert r.status_code == 200 and all(x["result"] == "applied" for x in r.json()["results"]), r.text[:300]
            print(f"one push of 100 edits (server): {push_secs[-1]:.2f} s ({load()})")
        print(f"  median {statistics.median(push_secs):.2f} s")

        rates = []
        for _ in range(args.rounds):
            elapsed, n = push_throughput(county, t, args.clients, args.batches, 50)
            rates.append(n / elapsed)
            print(f"{args.clients} concurrent clients pushing new residents: {n / elapsed:.0f} "
                  f"changes/s ({n} in {elapsed:.1f} s, {load()})  | goal >= 1,000/s")  # fmt: skip
        print(f"  median {statistics.median(rates):.0f} changes/s")
    finally:
        stop_county(county)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
