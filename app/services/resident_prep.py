"""The part of registering a resident that needs no database: cleaning and validating the row,
encoding its document, its search terms and list tags.

It is a pure function of the row (and today's date), so an import can run it in worker processes
while the writer inserts the rows prepared before (app.services.prep_pool). This module imports
no SQLAlchemy: a worker process starts in a fraction of the time the whole store takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from app import search
from app.pinyin import primary_pinyin
from app.services.resident_input import clean
from forms.entity_keys import RESIDENT_STATE
from forms.idnumber import IdNumberError, parse
from forms.model import FieldError

HTN_CODE, DM_CODE = "2", "3"  # 既往史 disease codes (2017 and earlier editions agree on these)
SMI_CODE = "8"  # 既往史 严重精神障碍 (2009: 重性精神疾病, same code)
SMI_FORMS = frozenset({"smi_supplement", "smi_followup"})
# 既往史 9结核病 may be a cure long ago: only the TB programme's own forms mark a patient in care.
TB_FORMS = frozenset({"tb_first_visit", "tb_followup"})
# 孕产妇: any maternal record (what is due follows her latest pregnancy: forms/pregnancy.py).
MATERNAL_FORMS = frozenset({"prenatal_first", "prenatal_followup", "postpartum_visit", "postpartum_42d",
                            "pregnancy_outcome"})  # fmt: skip

# What residents.snapshot adds to the document (village, household, status...): set by register.
STATE_KEYS = frozenset(RESIDENT_STATE)
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Prepared(NamedTuple):
    """A row ready to be registered, in plain values only: an import receives tens of thousands
    from worker processes, and unpickling this costs a fraction of a dataclass with the whole
    document (measured 0.09 ms per row for the full Cleaned, which ate the workers' gain)."""

    errors: list[FieldError]  # empty when the row is clean; then the rest is filled in
    village: str | None
    household: str | None
    name: str
    sex: str
    birth_date: str
    id_number: str | None
    phone: str | None
    address: str | None
    doc_json: str  # the document as stored in resident.doc
    doc_changes: str  # {"key": {"new": value, "old": null}, ...} of the document's fields, JSON
    terms: str  # its search terms but the record number's, as search.pack lists them
    similar_keys: tuple[tuple[str, str], ...]  # where a resident it would duplicate is listed
    similar_terms: tuple[tuple[str, str], ...]  # where it is listed for the rows after it
    tags: str
    id_key: str | None  # the ID number as typed, parsed (even on a refused row), else None
    mother: str | None = None  # the mother as typed (uuid or record number), checked by register


def compute_tags(doc: dict[str, Any], forms_present: set[str]) -> str:
    """The list tags of a resident: "htn", "dm", "smi" (严重精神障碍) from past diseases or the
    programme's forms, "tb" (肺结核患者) from the TB forms, "maternal" (孕产妇) from the maternal
    forms."""
    codes = {
        str(item.get("code")) for item in doc.get("past_diseases") or [] if isinstance(item, dict)
    }
    tags = []
    if HTN_CODE in codes or "htn_followup" in forms_present:
        tags.append("htn")
    if DM_CODE in codes or "dm_followup" in forms_present:
        tags.append("dm")
    if SMI_CODE in codes or SMI_FORMS & forms_present:
        tags.append("smi")
    if TB_FORMS & forms_present:
        tags.append("tb")
    if MATERNAL_FORMS & forms_present:
        tags.append("maternal")
    return " ".join(tags)


def prepare(row: Any) -> Prepared:
    c = clean(row)
    id_key = id_number_key(row.get("id_number")) if isinstance(row, dict) else None
    if c.errors:
        return Prepared(c.errors, None, None, "", "", "", None, None, None, "", "", "[]", (), (), "",
                        id_key)  # fmt: skip
    doc = c.doc
    if STATE_KEYS & doc.keys():  # validation refuses unknown keys: a form change gone wrong
        raise AssertionError(f"resident state keys in the form document: {STATE_KEYS & doc.keys()}")
    # Stored JSON is read back with json.loads, so key order carries no meaning: the document
    # is encoded once, and the changes of a creation unsorted.
    changes = _compact({k: {"new": v, "old": None} for k, v in doc.items() if v is not None})
    name, id_number, phone = doc["name"], doc.get("id_number"), doc.get("phone")
    terms = search.identity_terms(name, id_number, phone)
    return Prepared([], c.village, c.household, name, doc["sex"], doc["birth_date"], id_number,
                    phone, doc.get("address"), json.dumps(doc, ensure_ascii=False), changes,
                    search.pack(terms), tuple(similar_keys(name, phone)),
                    tuple(sorted(t for t in terms if t[0] in SIMILAR_KINDS)), compute_tags(doc, set()),
                    id_key, c.mother)  # fmt: skip


SIMILAR_KINDS = ("N", "P", "T")  # whole name, whole-name pinyin (every reading), phone


def similar_keys(name: str, phone: str | None) -> list[tuple[str, str]]:
    """The search terms under which a similar resident (same birth date and same name, same
    pinyin or same phone) is found: whole name, whole-name pinyin, reversed phone digits."""
    keys = [("N", name)]
    pinyin = primary_pinyin(name)
    if pinyin:
        keys.append(("P", pinyin))
    if phone:
        keys.append(("T", re.sub(r"\D", "", phone)[::-1]))
    return keys


def id_number_key(value: Any) -> str | None:
    """The 18-character ID number `value` stands for (a 15-digit one converted), or None: how an
    import recognises a resident registered before, whatever else is wrong with the row."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse(value.strip()).number
    except IdNumberError:
        return None


def prepare_rows(rows: Sequence[Any]) -> list[Prepared]:
    return [prepare(r) for r in rows]


def joined(first_json: str, tail: str) -> str:
    """The JSON object of `first_json`'s members followed by those of `tail` (another JSON
    object; no key in both)."""
    if first_json == "{}":
        return tail
    return first_json if tail == "{}" else first_json[:-1] + "," + tail[1:]
