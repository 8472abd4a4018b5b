"""Code tables per edition of the standard (2017 third edition; 2009/2011 for old records)."""

from __future__ import annotations

from functools import cache

from forms.codes.build import table
from forms.model import CodeTable

EDITIONS = ("2017", "2009")
# Records made under the 2011 (second) edition used the 2009 paper codes.
EDITION_ALIASES = {"2011": "2009"}
EDITION_LABELS = {"2017": "2017年第三版", "2009": "2009/2011版"}


def canonical_edition(edition: str) -> str:
    return EDITION_ALIASES.get(edition, edition)


@cache
def tables(edition: str) -> dict[str, CodeTable]:
    """Every code table of an edition, by name. Raises KeyError for an unknown edition."""
    from forms.codes import common, ed2009, ed2017

    edition = canonical_edition(edition)
    specific = {"2017": ed2017.TABLES, "2009": ed2009.TABLES}[edition]
    merged = dict(common.TABLES)
    merged.update(specific)
    return merged


__all__ = ["EDITIONS", "EDITION_ALIASES", "canonical_edition", "table", "tables"]
