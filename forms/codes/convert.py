"""Mapping of 2009/2011 codes to the 2017 codes that mean the same (for cards, indicators, export).

An old record is never rewritten: it keeps its edition and prints with its own tables. This map
is for reading old codes with today's meaning (e.g. the card printed from an old 个人基本信息表).
None means the old code has no 2017 equivalent (2009 健康指导 "1定期随访").
"""

from __future__ import annotations

from forms.codes import canonical_edition

_TO_2017: dict[str, dict[str, str | None]] = {
    "ethnicity": {"1": "01", "2": "99"},
    # 2009 asked "RH阴性?": 1否 = positive, 2是 = negative.
    "blood_rh": {"1": "2", "2": "1", "3": "3"},
    # [U] the exact 2009 list; best equivalents in the 2017 list.
    "education": {"1": "9", "2": "8", "3": "7", "4": "6", "5": "3", "6": "10"},
    "livestock": {"1": "2", "2": "3", "3": "4", "4": "1"},
    "fuel": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "9": "6"},
    "water": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "9": "6"},
    "health_guidance": {"1": None, "2": "1", "3": "2", "4": "3"},
}


def to_2017(table: str, code: str, edition: str) -> str | None:
    """The 2017 code meaning what `code` of `table` meant in `edition` (unchanged tables: same)."""
    if canonical_edition(edition) == "2017" or table not in _TO_2017:
        return code
    return _TO_2017[table].get(code)


def changed_tables() -> list[str]:
    return sorted(_TO_2017)
