"""Our sync against CouchDB-protocol replication (the stack CHT uses: pouchdb-server and PouchDB),
same township, same entities, both measured by one counting proxy on 127.0.0.1 (issue 5).

    npm ci --prefix bench/couch            # once: pouchdb-server and pouchdb (not in git)
    python bench/bench_couch.py [--residents 50000] [--records-per 4] [--db sqlite|postgres]

Three runs on each side: the first sync of a township hospital (an empty client pulls the whole
township), a no-op sync, and a sync after 100 residents changed on the server. CouchDB side: the
entities loaded as documents into pouchdb-server (LevelDB) with _bulk_docs, then
bench/couch/replicate.js pulls them into a new local PouchDB (LevelDB) with PouchDB's own
replicator and its defaults (batch_size 100), as a CHT client's first sync fills its browser
database. pouchdb-server compresses responses (gzip) like our server. Prints both side by side
with ratios (CouchDB / ours: above 1 means CouchDB-protocol costs more). Skips with a message when
node or the npm packages are missing. Bench only: not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUCH = ROOT / "bench" / "couch"
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
from bench_sync import population, postgres_up, seed, start_county, stop_county  # noqa: E402
from countproxy import CountingProxy  # noqa: E402
from synchelp import Installation, free_port  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001
DB = "township"


def missing() -> str | None:
    """Why the comparison cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    for pkg in ("pouchdb-server", "pouchdb"):
        if not (COUCH / "node_modules" / pkg / "package.json").exists():
            return f"npm package {pkg} is not installed (run: npm ci --prefix bench/couch)"
    return None


class PouchServer:
    """pouchdb-server (express-pouchdb over LevelDB) on a free port, in its own directory."""

    def __init__(self, work: Path) -> None:
        self.dir = work / "pouchdb-server"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        cmd = [
            "node",
            str(COUCH / "node_modules" / "pouchdb-server" / "bin" / "pouchdb-server"),
            "--host", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
            "--no-stdout-logs", "--config", str(self.dir / "config.json"),
        ]  # fmt: skip
        self.log = open(self.dir / "stdout.txt", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        self.http = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get(self.url, timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pouchdb-server did not start: {self.dir / 'stdout.txt'}")
            time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def load(self, docs: Any, batch: int = 2000) -> int:
        """_bulk_docs in batches (a server-side load, not measured as sync)."""
        self.http.put(f"{self.url}/{DB}").raise_for_status()
        n, chunk = 0, []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == batch:
                n += self._bulk(chunk)
                chunk = []
        return n + (self._bulk(chunk) if chunk else 0)

    def _bulk(self, docs: list[dict[str, Any]]) -> int:
        r = self.http.post(f"{self.url}/{DB}/_bulk_docs", json={"docs": docs})
        r.raise_for_status()
        bad = [x for x in r.json() if "error" in x]
        assert not bad, bad[:2]
        return len(docs)

    def change(self, ids: list[str]) -> None:
        """A new revision of each document (its address changed), as an edit elsewhere makes."""
        r = self.http.post(f"{self.url}/{DB}/_all_docs", params={"include_docs": "true"},
                           json={"keys": ids})  # fmt: skip
        docs = [row["doc"] for row in r.json()["rows"]]
        for i, d in enumerate(docs):
            d["address"] = f"变更后的地址{i}"
        self._bulk(docs)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)
        self.log.close()


def as_document(e: dict[str, Any]) -> dict[str, Any]:
    """One of our entities as a CouchDB document (CHT: a person / a data_record)."""
    kind = "person" if e["kind"] == "resident" else "data_record"
    return {"_id": e["uuid"], "type": kind, "area": e["area"], **e["data"]}


def replicate(source: str, target: Path, batch_size: int | None) -> dict[str, Any]:
    cmd = ["node", str(COUCH / "replicate.js"), source, str(target)]
    if batch_size:
        cmd.append(str(batch_size))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=COUCH, capture_output=True, text=True, timeout=6 * 3600)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"replicate.js failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"] and not result["errors"], result
    return {**result, "secs": wall}


def push_js(source: str, target: Path, *args: str) -> dict[str, Any]:
    """bench/couch/push.js: `prepare IDS_FILE` (checkpoint, edits; not measured) or `push`."""
    t0 = time.perf_counter()
    out = subprocess.run(["node", str(COUCH / "push.js"), source, str(target), *args],
                         cwd=COUCH, capture_output=True, text=True, timeout=3600)  # fmt: skip
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"push.js failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"] and not result["errors"], result
    return {**result, "secs": wall}


def measured(proxy: CountingProxy, run: Any) -> dict[str, Any]:
    proxy.reset()
    t0 = time.perf_counter()
    extra = run() or {}
    return {"secs": time.perf_counter() - t0, **proxy.figures(), **extra}


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def table(title: str, ours: dict[str, Any], couch: dict[str, Any], entities: int) -> None:
    print(f"\n{title}")
    print(f"  {'':28}{'ours':>14}{'CouchDB/PouchDB':>18}{'CouchDB/ours':>14}")
    rows = [
        ("requests", ours["requests"], couch["requests"], "{:,}"),
        ("bytes down", ours["bytes_down"], couch["bytes_down"], "{:,}"),
        ("bytes up", ours["bytes_up"], couch["bytes_up"], "{:,}"),
        ("time (s)", ours["secs"], couch["secs"], "{:.2f}"),
    ]
    if entities:
        rows.append(("bytes down per entity", ours["bytes_down"] / entities,
                     couch["bytes_down"] / entities, "{:.0f}"))  # fmt: skip
    for name, a, b, fmt in rows:
        print(f"  {name:28}{fmt.format(a):>14}{fmt.format(b):>18}{ratio(b, a):>14}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50_000)
    ap.add_argument("--records-per", type=int, default=4)
    ap.add_argument(
        "--db", choices=["sqlite", "postgres"], default="postgres" if postgres_up() else "sqlite"
    )
    ap.add_argument("--batch-size", type=int, default=None, help="PouchDB batch_size (default 100)")
    args = ap.parse_args()
    why = missing()
    if why:
        print(f"CouchDB/PouchDB comparison skipped: {why}")
        return 0
    total = args.residents * (1 + args.records_per)
    work = Path(tempfile.mkdtemp(prefix="bench-couch-"))
    county = start_county(args.db, work)
    pouch: PouchServer | None = None
    try:
        t = county.township()
        t0 = time.perf_counter()
        seed(county, t, args.residents, args.records_per)
        print(f"ours: seeded {total} entities on {args.db} in {time.perf_counter() - t0:.1f} s")
        changed = [e["uuid"] for e in itertools.islice(population(t, args.residents, args.records_per), 2000)
                   if e["kind"] == "resident" and e["area"].endswith("001")][:100]  # fmt: skip

        # -- ours, through the proxy
        ours_proxy = CountingProxy(county.port)
        hospital = Installation(work / "hospital", t + "000")
        hospital.enroll(county, ours_proxy.url)
        from sync.client import SyncClient

        def ours_sync() -> dict[str, Any]:
            return {"pulled": SyncClient(hospital.store).run()["pulled"]}

        ours = {"first": measured(ours_proxy, ours_sync)}
        print(f"ours: first sync {ours['first']['secs']:.1f} s (load {os.getloadavg()[0]:.1f})")
        ours["noop"] = measured(ours_proxy, ours_sync)
        token = requests.post(
            county.api("/enroll"), json={"code": county.enroll_code(t + "001"), "area": t + "001"}
        ).json()["token"]
        _server_changes(county, token, changed, t)
        ours["hundred"] = measured(ours_proxy, ours_sync)
        assert ours["hundred"]["pulled"] >= len(changed), ours["hundred"]
        from app.services import residents

        for i, u in enumerate(changed):  # edits on this machine (not timed), then one sync
            residents.update(hospital.store, u, {"address": f"本机修改的地址{i}"})
        ours["push"] = measured(ours_proxy, ours_sync)
        hospital.close()

        # -- CouchDB protocol, through the proxy (loaded only now: LevelDB's compactions after
        # the load do not run during our sync)
        pouch = PouchServer(work)
        t0 = time.perf_counter()
        pouch.load(as_document(e) for e in population(t, args.residents, args.records_per))
        print(f"CouchDB: loaded {total} documents into pouchdb-server in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        couch_proxy = CountingProxy(pouch.port)
        local = work / "pouch-local"
        source = f"{couch_proxy.url}/{DB}"
        couch = {"first": measured(couch_proxy, lambda: replicate(source, local, args.batch_size))}
        assert couch["first"]["docs_written"] == total, couch["first"]
        print(f"CouchDB: first replication {couch['first']['secs']:.1f} s "
              f"(load {os.getloadavg()[0]:.1f})")  # fmt: skip
        couch["noop"] = measured(couch_proxy, lambda: replicate(source, local, args.batch_size))
        pouch.change(changed)
        couch["hundred"] = measured(couch_proxy, lambda: replicate(source, local, args.batch_size))
        assert couch["hundred"]["docs_written"] == len(changed), couch["hundred"]
        ids_file = work / "push-ids.json"
        ids_file.write_text(json.dumps(changed))
        push_js(source, local, "prepare", str(ids_file))
        couch["push"] = measured(couch_proxy, lambda: push_js(source, local, "push"))
        assert couch["push"]["docs_written"] == len(changed), couch["push"]

        print(f"\n{args.residents} residents + {args.residents * args.records_per} records, "
              f"township scope, loopback; ours on {args.db}; CouchDB side: pouchdb-server 4.2 "
              f"+ PouchDB 9 (batch_size {args.batch_size or 100}); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} shared cores")  # fmt: skip
        table("first sync (empty client)", ours["first"], couch["first"], total)
        table("no-op sync", ours["noop"], couch["noop"], 0)
        table(f"sync after {len(changed)} residents changed on the server", ours["hundred"],
              couch["hundred"], 0)  # fmt: skip
        table(f"push of {len(changed)} edits made on the client (ours: the whole sync run)",
              ours["push"], couch["push"], 0)  # fmt: skip
        print(f"\npush of {len(changed)} edits: ours / PouchDB time = "
              f"{ours['push']['secs'] / couch['push']['secs']:.2f} (PouchDB's replication alone, "
              f"without node's start: {ours['push']['secs'] / (couch['push']['ms'] / 1000):.2f})"
              f"  | goal <= 0.50; first sync: ours / "
              f"CouchDB time {ours['first']['secs'] / couch['first']['secs']:.2f}, bytes "
              f"{ours['first']['bytes_down'] / couch['first']['bytes_down']:.2f}, requests "
              f"{ours['first']['requests']}  | goal <= 60")  # fmt: skip
        print("\nrequests by endpoint, first sync:")
        print(f"  ours:    {ours['first']['by_endpoint']}")
        print(f"  CouchDB: {couch['first']['by_endpoint']}")
    finally:
        if pouch is not None:
            pouch.stop()
        stop_county(county)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _server_changes(county: Any, token: str, uuids: list[str], township: str) -> None:
    """Residents of village 001 get a new address from its clinic (pushed straight to the
    server, not through the proxy)."""
    rows = county.query(
        "SELECT uuid, rev, data FROM entity WHERE uuid IN ("
        + ", ".join(f"'{u}'" for u in uuids)
        + ")"
    )
    changes = []
    for i, (u, rev, data) in enumerate(rows):
        data = json.loads(data) if isinstance(data, str) else data
        changes.append({"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": u,
                        "op": "update", "base_rev": rev,
                        "changes": {"address": {"old": data.get("address"), "new": f"新地址{i}"}}})  # fmt: skip
    r = requests.post(county.api("/sync/push"), json={"changes": changes},
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    r.raise_for_status()
    assert len(changes) == len(uuids), (len(changes), len(uuids))
    assert all(x["result"] in ("applied", "merged") for x in r.json()["results"]), r.text[:300]


if __name__ == "__main__":
    raise SystemExit(main())
