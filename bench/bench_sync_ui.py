"""Is the window still responsive while the desktop client syncs? (issue 5, "never blocking the
window"). A real county server on loopback holds a township of residents and follow-ups; the
township hospital's client, logged in offscreen, downloads it with 立即同步 while
  - a 5 ms QTimer measures how long the GUI event loop goes without running (stall), and
  - every 50 ms a resident search or a draft save (a write) goes to the DB worker, timing the
    round trip to its answer (a save waits for the sync's page transaction: one writer at a time).
Both are measured first with nothing running (baseline), then during the sync, then during the
same first sync run the naive way, as one job on the DB worker (what the design avoids).

    QT_QPA_PLATFORM=offscreen python bench/bench_sync_ui.py [--residents 2000] [--records-per 2]
        [--no-freeze]   (the client as it was before gc.freeze() after login)

Printed, not asserted."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_sync import seed  # noqa: E402
from synchelp import COUNTY, PASSWORD, USER, County, Installation, cli  # noqa: E402


class Probe:
    """GUI stalls (gaps between 5 ms timer ticks) and DB-worker round trips, while `until()`."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    def measure(self, until, min_seconds: float = 0.0) -> dict[str, float]:  # type: ignore[no-untyped-def]
        from app.services import drafts, residents
        from ui.qt import QTimer
        from ui.tasks import DbOp

        gaps: list[float] = []
        trips: dict[str, list[float]] = {"read": [], "write": []}
        last = [time.perf_counter()]
        asked = [0.0]
        kind = ["write"]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        def answered(_ids: object) -> None:
            trips[kind[0]].append((time.perf_counter() - asked[0]) * 1000)
            asked[0] = 0.0

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(5)
        t0 = next_ask = time.perf_counter()
        # (the last search asked is waited for: a blocked worker answers it only at the end)
        while not until() or time.perf_counter() - t0 < min_seconds or asked[0]:
            self.app.processEvents()
            now = time.perf_counter()
            if asked[0] == 0.0 and now >= next_ask:
                asked[0], next_ask = now, now + 0.05
                kind[0] = "read" if kind[0] == "write" else "write"
                if kind[0] == "read":
                    op = lambda s: residents.ids(s, "居民甲")  # noqa: E731
                else:
                    op = lambda s: drafts.save(s, "bench", "htn_followup", {"sbp": 120})  # noqa: E731
                DbOp(None, op).success(answered).run()
            time.sleep(0.0005)
        timer.stop()
        gaps.sort()
        out = {
            "seconds": time.perf_counter() - t0,
            "gap_max": gaps[-1],
            "gap_p99": gaps[int(len(gaps) * 0.99) - 1],
            "gaps_over_50": sum(g > 55 for g in gaps),
        }
        for k, v in trips.items():
            out[f"{k}_max"] = max(v) if v else float("nan")
            out[f"{k}_median"] = statistics.median(v) if v else float("nan")
            out[f"{k}s"] = len(v)
        return out


def line(label: str, m: dict[str, float]) -> str:
    return (f"{label}: {m['seconds']:.1f} s\n  GUI stall max {m['gap_max'] - 5:.0f} ms, p99 "
            f"{m['gap_p99'] - 5:.0f} ms, {m['gaps_over_50']:.0f} stalls over 50 ms\n"
            f"  DB worker: search median {m['read_median']:.0f} ms, max {m['read_max']:.0f} ms "
            f"({m['reads']} searches); draft save median {m['write_median']:.0f} ms, max "
            f"{m['write_max']:.0f} ms ({m['writes']} saves)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=2000)
    ap.add_argument("--records-per", type=int, default=2)
    ap.add_argument("--no-freeze", action="store_true", help="without gc.freeze() after login")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sync-ui-"))
    db = f"sqlite:///{work / 'county.db'}"
    assert cli("county", "init", "--db", db, "--area", COUNTY, "--name", "朝阳区").returncode == 0
    county = County(db, work)
    county.start()
    try:
        township = county.township()
        seed(county, township, args.residents, args.records_per)
        total = args.residents * (1 + args.records_per)
        print(f"county: {args.residents} residents + {total - args.residents} records "
              f"(township scope); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
        clients = []
        for name in ("panel", "naive"):
            inst = Installation(work / name, township + "000")
            inst.enroll(county)
            inst.close()
            clients.append(inst)

        from ui import tasks
        from ui.app import make_application
        from ui.shell import Shell

        app = make_application()
        os.environ["CUNYI_SYNC_AUTO"] = "0"  # the bench starts the run itself
        shell = Shell(clients[0].data_dir)
        shell.freeze_heap = not args.no_freeze  # as ui/app.py does
        login = shell.start()
        login.user.setCurrentText(USER)
        login.password.setText(PASSWORD)
        login.submit()
        probe = Probe(app)
        probe.measure(lambda: shell.main is not None and not tasks.worker().busy, 1.0)
        main_window = shell.main
        sync = main_window.sync
        probe.measure(lambda: sync.state.enrolled and not sync._probing, 0.5)

        idle = probe.measure(lambda: True, 3.0)
        print(line("baseline, nothing running", idle))

        sync.sync_now()
        during = probe.measure(
            lambda: sync._run is not None and sync._run.done() and not sync.state.running
        )
        out = sync.state.last_result
        print(line(f"first sync from the panel (pulled {out.get('pulled')})", during))

        # the naive way: the same first sync as one job on the DB worker
        from app.store import Store
        from sync.client import SyncClient

        second = Store.open(clients[1].data_dir, USER, PASSWORD)
        done = []
        tasks.DbOp(None, lambda _s: SyncClient(second).run()).success(done.append).run()
        blocked = probe.measure(lambda: bool(done))
        second.close()
        print(line(f"same sync as one DB-worker job (pulled {done[0]['pulled']})", blocked))
        worst = max(during["read_max"], during["write_max"])
        naive = max(blocked["read_max"], blocked["write_max"])
        print(f"DB worker's worst answer during the sync, panel / naive: {worst / naive:.3f}; "
              f"load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
        shell.shutdown()
    finally:
        county.stop()


if __name__ == "__main__":
    main()
