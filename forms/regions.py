"""The current provinces, cities and counties of GB/T 2260, for choosing a clinic's area code.

Read from the table python-stdnum ships (stdnum/cn/loc.dat, the same one forms/idnumber.py checks ID
numbers against). Each code there carries its names over time, e.g. `[1983-1994]东矿区,[1995-]古冶区`:
a name with an end year is abolished, one without (`[1995-]古冶区` or a bare name) is in use. ID
numbers must accept abolished codes; a clinic set up today is offered only codes in use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_SPAN = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")
# 市辖区 (xxxx01) is a statistical placeholder for a city's districts, not a place of its own.
_NOT_A_COUNTY = {"市辖区"}
# No village clinics under the national standard: Taiwan, Hong Kong, Macao.
_NOT_SERVED = {"71", "81", "82"}


@dataclass(frozen=True)
class Region:
    code: str  # 2 digits for a province, 4 for a city, 6 for a county
    name: str


def current_name(names: str) -> str | None:
    """The name in use now, or None when every name of the code has an end year."""
    current = None
    for part in names.split(","):
        m = _SPAN.match(part.strip())
        if m is None:
            current = part.strip()  # no dates: in use
        elif m.group(2) is None:
            current = m.group(3).strip()
    return current or None


@cache
def _table() -> dict[str, str]:
    """Code (2, 4 or 6 digits) -> current name, for codes in use."""
    from stdnum import numdb

    codes: dict[str, str] = {}
    for _, low, high, props, children in numdb.get("cn/loc").prefixes:
        if low != high or low in _NOT_SERVED:
            continue
        province = current_name(props.get("province", ""))
        if province:
            codes[low] = province
        for _, c_low, c_high, c_props, _ in children:
            name = current_name(c_props.get("county", "")) if c_low == c_high else None
            if not name or c_low == "0000":
                continue
            code = low + c_low
            if code.endswith("00"):
                codes[code[:4]] = name
            elif name not in _NOT_A_COUNTY:
                codes[code] = name
    return codes


@cache
def counties(city: str) -> tuple[Region, ...]:
    return tuple(Region(c, n) for c, n in sorted(_table().items()) if len(c) == 6 and c[:4] == city)


@cache
def cities(province: str) -> tuple[Region, ...]:
    """Cities (prefectures, and the groups of counties governed by the province directly) that
    have counties in use."""
    return tuple(Region(c, n) for c, n in sorted(_table().items())
                 if len(c) == 4 and c[:2] == province and counties(c))  # fmt: skip


@cache
def provinces() -> tuple[Region, ...]:
    return tuple(Region(c, n) for c, n in sorted(_table().items()) if len(c) == 2 and cities(c))


def is_current_county(code6: str) -> bool:
    return len(code6) == 6 and code6 in _table()
