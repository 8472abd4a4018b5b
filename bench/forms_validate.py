"""Figures: time to validate and prepare each form's filled example (run: python bench/forms_validate.py).

Validation runs on every save, on every CLI call and for every change the county server receives,
so it is measured per document; the baseline in the same process is copying the document, to
show the ratio independent of the machine's speed.
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import forms  # noqa: E402
from forms.examples import context, example  # noqa: E402


def per_call(fn, n: int) -> float:
    fn()  # warm caches (definitions load on first use)
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    ctx = forms.ValidationContext(**context())
    print(f"{'form':18} {'fields':>6} {'validate ms':>12} {'prepare ms':>11} {'x deepcopy':>11}")
    for code in forms.form_codes():
        doc = example(code)
        n = 300
        base = per_call(lambda d=doc: copy.deepcopy(d), n)
        v = per_call(lambda c=code, d=doc: forms.validate(c, d, ctx), n)
        p = per_call(lambda c=code, d=doc: forms.prepare(c, d, ctx), n)
        fields = len(forms.get_form(code).fields())
        print(f"{code:18} {fields:6d} {v * 1000:12.3f} {p * 1000:11.3f} {v / base:11.1f}")


if __name__ == "__main__":
    main()
