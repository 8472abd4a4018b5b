"""The part of registering a resident that needs no database: cleaning and validating the row,
encoding its document, its search terms and list tags.

It is a pure function of the row (and today's date), so an import can run it in worker processes
while the writer inserts the rows prepared before (app.services.prep_pool). This module imports
no SQLAlchemy: a worker process starts in a fraction of the time the whole store takes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from app import search
from app.services.resident_input import Cleaned, clean

HTN_CODE, DM_CODE = "2", "3"  # 既往史 disease codes (2017 and earlier editions agree on these)

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Prepared(NamedTuple):
    cleaned: Cleaned
    doc_json: str  # the document as stored in resident.doc ("" when the row is refused)
    doc_changes: str  # {"key": {"new": value, "old": null}, ...} of the document's fields, JSON
    terms: frozenset[tuple[str, str]]  # search terms but the record number's
    tags: str


def compute_tags(doc: dict[str, Any], forms_present: set[str]) -> str:
    """The list tags of a resident: "htn" and/or "dm" from past diseases or follow-up forms."""
    codes = {
        str(item.get("code")) for item in doc.get("past_diseases") or [] if isinstance(item, dict)
    }
    tags = []
    if HTN_CODE in codes or "htn_followup" in forms_present:
        tags.append("htn")
    if DM_CODE in codes or "dm_followup" in forms_present:
        tags.append("dm")
    return " ".join(tags)


def prepare(row: Any) -> Prepared:
    c = clean(row)
    if c.errors:
        return Prepared(c, "", "", frozenset(), "")
    doc = c.doc
    # Stored JSON is read back with json.loads, so key order carries no meaning: the document
    # is encoded once, and the changes of a creation unsorted.
    changes = _compact({k: {"new": v, "old": None} for k, v in doc.items() if v is not None})
    terms = search.identity_terms(doc["name"], doc.get("id_number"), doc.get("phone"))
    return Prepared(c, json.dumps(doc, ensure_ascii=False), changes, frozenset(terms),
                    compute_tags(doc, set()))  # fmt: skip


def prepare_rows(rows: Sequence[Any]) -> list[Prepared]:
    return [prepare(r) for r in rows]


def joined(first_json: str, more: dict[str, Any]) -> str:
    """The JSON object of `first_json`'s members followed by `more`'s (no key in both)."""
    tail = _compact(more)
    if first_json == "{}":
        return tail
    return first_json if tail == "{}" else first_json[:-1] + "," + tail[1:]
