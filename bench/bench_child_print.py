"""Child check sheets against the 高血压 follow-up sheet (issue 15): one sheet of four visits each,
best of N renders, and the ratio (a sheet of fixed ages fits more rows to one page, so it tries
more type sizes and scales). Printed, not asserted. Run: python bench/bench_child_print.py [-n 5]"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import forms.pdf as P  # noqa: E402
from forms import examples as E  # noqa: E402

SHEETS = {"htn_followup": (None,) * 4, "child_1_8m": ("1", "3", "6", "8"),
          "child_12_30m": ("12", "18", "24", "30"), "child_3_6y": ("36", "48", "60", "72"),
          "child_tcm": ("6", "12", "18"), "newborn_visit": (None,)}  # fmt: skip
RESIDENT = {"uuid": "r1", "record_no": E.RECORD_NO, "name": "李小宝", "sex": "1",
            "birth_date": "2024-03-10", "doc": {}}  # fmt: skip


def best_ms(code: str, slots: tuple, n: int) -> float:
    recs = []
    for s in slots:
        doc = E.example(code) | ({"slot": s} if s else {})
        recs.append({"form": code, "visit_date": doc["visit_date"], "doc": doc, "edition": "2017"})
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        P.render_form(code, RESIDENT, recs, io.BytesIO())
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5)
    n = ap.parse_args().n
    best_ms("htn_followup", SHEETS["htn_followup"], 1)  # fonts loaded once, outside the figures
    base = best_ms("htn_followup", SHEETS["htn_followup"], n)
    for code, slots in SHEETS.items():
        ms = best_ms(code, slots, n)
        print(f"{code:14s} {len(slots)} visit(s)  {ms:6.1f} ms  x{ms / base:.2f} of htn_followup")


if __name__ == "__main__":
    main()
