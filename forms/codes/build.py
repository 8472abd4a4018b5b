"""Writing code tables compactly, the way the paper prints them ("1男 2女 …")."""

from __future__ import annotations

import re

from forms.model import Code, CodeTable

_ITEM = re.compile(r"^(\d+)(\S.*)$")


def table(
    name: str, spec: str, *, exclusive: tuple[str, ...] = (), other: str | None = None
) -> CodeTable:
    """`spec` is the paper's option text: whitespace-separated items, each code digits + label."""
    codes = []
    for item in spec.split():
        m = _ITEM.match(item)
        if m is None:
            raise ValueError(f"{name}: bad option {item!r}")
        codes.append(Code(m.group(1), m.group(2)))
    seen = [c.code for c in codes]
    if len(set(seen)) != len(seen):
        raise ValueError(f"{name}: duplicate codes")
    for c in (*exclusive, *((other,) if other else ())):
        if c not in seen:
            raise ValueError(f"{name}: {c} not among the codes")
    return CodeTable(name, tuple(codes), exclusive=exclusive, other_code=other)


def tables_by_name(*ts: CodeTable) -> dict[str, CodeTable]:
    return {t.name: t for t in ts}
