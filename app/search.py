"""Resident search: every query goes to an index, never a scan over all residents.

Terms (table resident_term, primary key (kind, term, resident)) are written with the resident:
  N/n  the whole name / each later suffix of it (prefix search on suffixes = substring search)
  P/p  full pinyin of the whole name / of each suffix, every polyphonic reading
  I/i  initials of the whole name / of each suffix, every reading
  D    the ID number reversed (a suffix query becomes a prefix query)
  R    the record number reversed
  T    the phone number reversed
Upper-case kinds mark a term that starts at the beginning of the name, ranked higher.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.db.models import ResidentTerm
from app.pinyin import full_variants, initials_variants, readings

_HAN = re.compile(r"[\u3400-\u9fff]")
_ID_LIKE = re.compile(r"^\d{3,17}[\dXx]$")
MIN_DIGITS = 4
HIGH = "\U0010ffff"


def terms_for(
    name: str, id_number: str | None, record_no: str, phone: str | None
) -> set[tuple[str, str]]:
    terms: set[tuple[str, str]] = set()
    name = name.strip()
    syl = readings(name)
    for start in range(len(name)):
        whole = start == 0
        suffix = name[start:]
        terms.add(("N" if whole else "n", suffix))
    for start in range(len(syl)):
        whole = start == 0
        for v in full_variants(syl[start:]):
            terms.add(("P" if whole else "p", v))
        for v in initials_variants(syl[start:]):
            terms.add(("I" if whole else "i", v))
    if id_number:
        terms.add(("D", id_number[::-1]))
    terms.add(("R", record_no[::-1]))
    if phone:
        digits = re.sub(r"\D", "", phone)
        if digits:
            terms.add(("T", digits[::-1]))
    return terms


def _prefix(kind: str, value: str):  # type: ignore[no-untyped-def]
    return and_(
        ResidentTerm.kind == kind, ResidentTerm.term >= value, ResidentTerm.term < value + HIGH
    )


def _exact(kind: str, value: str):  # type: ignore[no-untyped-def]
    return and_(ResidentTerm.kind == kind, ResidentTerm.term == value)


def scored(query: str):  # type: ignore[no-untyped-def]
    """A subquery of (uuid, score) for every resident matching `query`, scored in SQL so a broad
    prefix ("zh" matches a fifth of a village) is grouped and ranked without a Python loop; None
    when the query cannot match anything."""
    q = query.strip()
    if not q:
        return None
    kind, term = ResidentTerm.kind, ResidentTerm.term
    if _ID_LIKE.match(q):
        digits = q.upper()
        rev = digits[::-1]
        conds = []
        if len(digits) >= MIN_DIGITS:
            conds += [_prefix("D", rev), _prefix("T", rev)]
        if len(digits) in (8, 17) and digits.isdigit():
            conds.append(_exact("R", rev) if len(digits) == 17 else _prefix("R", rev))
        if len(digits) == 15 and digits.isdigit():
            from forms.idnumber import convert_15_to_18

            conds.append(_exact("D", convert_15_to_18(digits)[::-1]))
        score = case((term == rev, 100), else_=80)
    elif _HAN.search(q):
        name_q = re.sub(r"\s+", "", q)
        conds = [_prefix("N", name_q), _prefix("n", name_q)]
        score = case((term == name_q, 100), (kind == "N", 80), else_=60)
    else:
        letters = re.sub(r"[^a-z]", "", q.lower())
        if not letters:
            return None
        conds = [_prefix("P", letters), _prefix("I", letters)]
        if len(letters) >= 2:  # one letter inside a name matches nearly everyone: not useful
            conds += [_prefix("p", letters), _prefix("i", letters)]
        whole = kind.in_(("P", "I"))
        score = case((and_(whole, term == letters), 95), (whole, 75), (term == letters, 55), else_=40)
    if not conds:
        return None
    return (
        select(ResidentTerm.resident_uuid.label("uuid"), func.max(score).label("score"))
        .where(or_(*conds))
        .group_by(ResidentTerm.resident_uuid)
        .subquery()
    )


def match(session: Session, query: str) -> dict[str, int]:
    """Resident uuids matching `query`, each with its relevance score (higher first)."""
    sq = scored(query)
    if sq is None:
        return {}
    return {u: s for u, s in session.execute(select(sq.c.uuid, sq.c.score))}
