"""PDF figures: one health_exam, 1,000 cards, a 1,000-resident village booklet (time, peak RSS),
bytes per page. Printed, not asserted. Run: python bench/bench_pdf.py [--residents N]"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import forms.pdf as P  # noqa: E402
from forms import examples as E  # noqa: E402
from forms.pdf.fonts import register_font  # noqa: E402


def rss_mb() -> float:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def resident(i: int) -> dict:
    pi = E.example("personal_info")
    return {
        "uuid": f"r{i}",
        "record_no": E.RECORD_NO[:-5] + f"{i:05d}",
        "name": f"王秀{i % 97}",
        "sex": pi["sex"],
        "birth_date": pi["birth_date"],
        "id_number": pi["id_number"],
        "phone": pi["phone"],
        "village": "101",
        "status": "在册",
        "address": pi["address"],
        "doc": pi,
        "institution": "某某乡卫生院",
        "doctor": "张医生",
        "household_head": "李建国",
        "created_at": "2021-04-12",
    }


def records(i: int) -> list[dict]:
    """A typical elderly hypertensive: one exam, a self-care score, four quarterly follow-ups."""
    out = []
    for code in ("health_exam", "elderly_selfcare"):
        doc = E.example(code)
        out.append(
            {
                "uuid": f"{code}{i}",
                "form": code,
                "edition": "2017",
                "visit_date": doc.get("visit_date"),
                "doc": doc,
            }
        )
    for q in range(4):
        doc = dict(E.example("htn_followup"), visit_date=f"2024-{3 * q + 1:02d}-10")
        out.append(
            {
                "uuid": f"h{i}-{q}",
                "form": "htn_followup",
                "edition": "2017",
                "visit_date": doc["visit_date"],
                "doc": doc,
            }
        )
    return out


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=1000)
    ap.add_argument("--cards", type=int, default=1000)
    args = ap.parse_args()
    print(load(), "(wall times grow with other load; CPU times less so)")
    t = time.perf_counter()
    register_font()
    print(f"font registration (once per process): {time.perf_counter() - t:.2f} s")
    res = resident(1)
    exam = records(1)[:1]
    base = rss_mb()

    buf = io.BytesIO()
    first = timed(lambda: P.render_form("health_exam", res, exam, io.BytesIO()))
    t_exam = timed(lambda: P.render_form("health_exam", res, exam, io.BytesIO()), 5)
    pages = P.render_form("health_exam", res, exam, buf := io.BytesIO())
    print(
        f"health_exam: {t_exam * 1000:.0f} ms best of 5 (first call {first * 1000:.0f} ms; "
        f"goal <= 150 ms), {pages} pages, {len(buf.getvalue()) / pages / 1024:.1f} KB/page"
    )
    buf = io.BytesIO()
    t_htn = timed(lambda: P.render_form("htn_followup", res, records(1)[2:], io.BytesIO()), 3)
    print(f"htn_followup (4 visits, 1 page): {t_htn * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        people = [resident(i) for i in range(1, args.cards + 1)]
        out = Path(tmp) / "cards.pdf"
        t, cpu = time.perf_counter(), time.process_time()
        n = P.render_cards(people, out)
        dt, cpu = time.perf_counter() - t, time.process_time() - cpu
        print(
            f"{args.cards} cards on A4 sheets: {dt:.1f} s wall, {cpu:.1f} s CPU (goal <= 20 s), "
            f"{n} pages, "
            f"{out.stat().st_size / n / 1024:.1f} KB/page"
        )
        out = Path(tmp) / "cards-printer.pdf"
        t = time.perf_counter()
        n = P.render_cards(people[:100], out, page="card")
        print(f"100 cards, card-printer pages: {time.perf_counter() - t:.1f} s, {n} pages")
        del people

        out = Path(tmp) / "village.pdf"
        samples: list[float] = []

        def progress(done: int, total: int | None) -> None:
            if done % 100 == 0:
                samples.append(rss_mb())

        items = ((resident(i), records(i)) for i in range(1, args.residents + 1))
        before = rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        n = P.render_booklets(items, out, progress=progress)
        dt, cpu = time.perf_counter() - t, time.process_time() - cpu
        size = out.stat().st_size
        print(
            f"{args.residents}-resident booklet: {dt:.1f} s wall, {cpu:.1f} s CPU (goal <= 180 s), "
            f"{n} pages, "
            f"{size / 2**20:.1f} MB, {size / n / 1024:.1f} KB/page, {dt / n * 1000:.1f} ms/page"
        )
        print(
            f"  RSS before {before:.0f} MB; every 100 residents: "
            + " ".join(f"{s:.0f}" for s in samples)
            + " MB"
        )
        print(
            f"  process peak RSS {peak_mb():.0f} MB (goal <= 300 MB; baseline after imports "
            f"{base:.0f} MB)"
        )


if __name__ == "__main__":
    main()
