"""Figures for the packaged program (run: python bench/bench_packaged.py DIST_FOLDER).

DIST_FOLDER is a build of packaging/build.sh (e.g. dist/cunyi). Printed, not asserted: the size
of the folder, the time from starting `cunyi-desktop` to its login window being up (the process
quits there: CUNYI_STARTUP_PROBE), first run and median of the next runs, beside the same for
`python -m ui` from this checkout in the same session (the ratio is what to compare; the
issue's goal is <= 2 s on this machine).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def start_times(cmd: list[str], env: dict[str, str]) -> tuple[list[float], float]:
    """Wall times of each start, and the median CPU time (user + system) of a start: the CPU
    figure hardly depends on what else the machine is doing."""
    times, cpu = [], []
    for _ in range(RUNS + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, statistics.median(cpu)


def main(dist: Path) -> None:
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"size of {dist}: {size_mib(dist):.0f} MiB")
    with tempfile.TemporaryDirectory(prefix="cunyi-bench-start-") as tmp:
        data = Path(tmp) / "data"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CUNYI_DATA_DIR=str(data),
                   PYTHONPATH=str(ROOT))  # fmt: skip
        subprocess.run([str(dist / "cunyi"), "demo", "--residents", "50"], env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
        env["CUNYI_STARTUP_PROBE"] = "1"
        built, built_cpu = start_times([str(dist / "cunyi-desktop"), "--data-dir", str(data)], env)
        source, source_cpu = start_times([sys.executable, "-m", "ui", "--data-dir", str(data)], env)
    for label, t, cpu in (("packaged", built, built_cpu), ("python -m ui", source, source_cpu)):
        print(f"{label}: start to login window and out: first {t[0]:.2f} s, "
              f"median of next {RUNS} {statistics.median(t[1:]):.2f} s, CPU {cpu:.2f} s")
    print(f"ratio packaged / source: x{statistics.median(built[1:]) / statistics.median(source[1:]):.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "cunyi")
