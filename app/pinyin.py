"""Pinyin readings of names for search: every reading of polyphonic characters (单 -> dan/shan/chan),
so a doctor finds 单田芳 by `stf` as well as `dtf`."""

from __future__ import annotations

import os
from functools import lru_cache
from itertools import islice, product

# Names are read character by character; the phrase dictionary costs ~0.5 s at import for nothing.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import Style, pinyin  # noqa: E402

MAX_VARIANTS = 16  # a name with many polyphonic characters still yields a bounded term set


@lru_cache(maxsize=20000)
def char_readings(ch: str) -> tuple[str, ...]:
    if not "\u3400" <= ch <= "\u9fff":
        return (ch.lower(),) if ch.isalnum() else ()
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys(r.lower() for r in readings if r.isalpha())) or (ch,)


def readings(name: str) -> list[tuple[str, ...]]:
    return [r for r in (char_readings(ch) for ch in name) if r]


def full_variants(syllables: list[tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(islice(("".join(p) for p in product(*syllables)), MAX_VARIANTS)))


def initials_variants(syllables: list[tuple[str, ...]]) -> list[str]:
    firsts = [tuple(dict.fromkeys(s[0] for s in syl)) for syl in syllables]
    return list(dict.fromkeys(islice(("".join(p) for p in product(*firsts)), MAX_VARIANTS * 2)))


def primary_pinyin(name: str) -> str:
    """One reading (the most common), for sorting."""
    return "".join(r[0] for r in readings(name))
