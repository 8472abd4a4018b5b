"""Figures for upgrading a clinic's data to this version (run: python bench/bench_upgrade.py [N]).

A database made by the first released schema (0001) with N residents (default 50,000; a third
with a follow-up record) is opened by this version: the verified backup, the migrations 0002-head
and the login are timed apart, beside two baselines measured in the same process: a verified
backup of the upgraded database and a login that has nothing to upgrade. Printed, not asserted.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import paths, upgrade  # noqa: E402
from app.services import backup  # noqa: E402
from app.store import Store  # noqa: E402
from tests.app.test_upgrade import ADMIN, PASSWORD, make_first_release_installation  # noqa: E402


def timed(owner: object, name: str, spent: dict[str, float]) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0

    setattr(owner, name, wrapper)


def main(n: int) -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-upgrade-") as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        make_first_release_installation(data, n)
        made = time.perf_counter() - t0
        size = paths.db_path(data).stat().st_size
        print(f"made {n:,} residents at schema 0001 in {made:.1f} s; database {size / 2**20:.1f} MiB")

        spent: dict[str, float] = {}
        timed(backup, "write_snapshot", spent)
        timed(upgrade, "_migrate", spent)
        t0 = time.perf_counter()
        store = Store.open(data, ADMIN, PASSWORD)
        total = time.perf_counter() - t0
        store.close()
        rest = total - spent["write_snapshot"] - spent["_migrate"]
        print(f"first start of the new version: {total:.2f} s = verified backup "
              f"{spent['write_snapshot']:.2f} s + migrations {spent['_migrate']:.2f} s "
              f"+ login and the rest {rest:.2f} s")

        t0 = time.perf_counter()
        store = Store.open(data, ADMIN, PASSWORD)
        plain_login = time.perf_counter() - t0
        t0 = time.perf_counter()
        backup.write_snapshot(data, store.keyfile.installation_id, store.data_key,
                              Path(tmp) / "baseline.cunyibak", schema="bench")  # fmt: skip
        plain_backup = time.perf_counter() - t0
        store.close()
        print(f"baselines: login without upgrade {plain_login:.2f} s, verified backup of the "
              f"upgraded database {plain_backup:.2f} s")
        print(f"ratios: first start / plain login x{total / plain_login:.1f}; migrations / "
              f"verified backup x{spent['_migrate'] / plain_backup:.2f}")
        shutil.rmtree(data / "backups", ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
