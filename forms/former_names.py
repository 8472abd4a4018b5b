"""A resident's former names (a newborn first entered as 王芳之女, renamed 王小红 later): the list
the device that renames keeps, the county server keeps, and a device that pulls takes in. One
rule for all three: each name once, in the order it was replaced, never the current name."""

from __future__ import annotations

from typing import Any


def replaced(names: list[str] | None, old: Any, new: Any) -> list[str]:
    """`names` once the name `old` became `new`: the replaced name joins the end (once), the
    current one leaves the list (a resident renamed back)."""
    kept = [n for n in names or () if n != new]
    if isinstance(old, str) and old and old != new and old not in kept:
        kept.append(old)
    return kept


def joined(names: list[str], told: Any, current: str) -> list[str]:
    """`names` and the server's list `told` (what a pull brings), each once and never the
    current name: what a device kept itself stays first."""
    out: list[str] = []
    for n in [*names, *(told if isinstance(told, list) else ())]:
        if isinstance(n, str) and n and n != current and n not in out:
            out.append(n)
    return out
