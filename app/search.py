"""Resident search: every query goes to an index, never a scan over all residents.

Terms (table resident_term, primary key (kind, term, resident)) are written with the resident:
  N/n  the whole name / each later suffix of it (prefix search on suffixes = substring search)
  P/p  full pinyin of the whole name / of each suffix, every polyphonic reading
  I/i  initials of the whole name / of each suffix, every reading
  D    the ID number reversed (a suffix query becomes a prefix query)
  R    the record number reversed
  T    the phone number reversed
Upper-case kinds mark a term that starts at the beginning of the name, ranked higher.

Two kinds of digit query read the resident table's own indexes instead of terms: the start of an
ID number (at least MIN_ID_START digits: region, birth year and month, few enough to rank; the
unique index on resident.id_number answers the range) and a birth date of eight digits (19491231,
the middle of an ID number, also for residents without one: the index on resident.birth_date).

The resident row lists its terms (resident.terms, see pack()): that is how a resident's own term
rows are found to be rewritten or re-sorted; the term table has no index by resident.

Every term row also carries `ord`, its resident's place in the list (order_key). The table is
clustered on (kind, term, resident_uuid) (WITHOUT ROWID), so a term range is read together with
its ord and the hits are grouped and sorted on that integer: a broad query such as "zh" (a third
of a village) never joins its hits to the resident table to sort them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from app.pinyin import full_variants, initials_variants, readings

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_HAN = re.compile(r"[\u3400-\u9fff]")
_ID_LIKE = re.compile(r"^\d{3,17}[\dXx]$")
MIN_DIGITS = 4
# Region (6) + birth year and month (6). A region alone matches a whole county; with the year
# it still matches ~1/80 of the residents (~500 of 50,000: 5 ms to rank, over the 2 ms goal);
# with the month ~40, and the birth date (19491231) finds anyone in one step.
MIN_ID_START = 12
_DATE_SPELT = re.compile(r"^(1[89]\d\d|20\d\d)[-./年](\d{1,2})[-./月](\d{1,2})日?$")
MIN_INNER = 2  # letters a query needs before it is matched inside a name (p/i terms)
HIGH = "\U0010ffff"
ACTIVE_END = 10**17  # ord below this: an active resident
MERGED_START = 2 * 10**17  # ord from this: merged away (hidden unless asked for)


def order_key(status: str, record_no: str) -> int:
    """Active residents first, then moved/deceased/lost, then merged; by record number within
    (a number that is not 17 digits, such as a sync placeholder, last of its class). Kept in step
    with the SQL of migration 0004 (its triggers maintain the column)."""
    rank = 0 if status == "active" else 2 if status == "merged" else 1
    number = int(record_no) if len(record_no) == 17 and record_no.isdigit() else ACTIVE_END - 1
    return rank * ACTIVE_END + number


def terms_for(
    name: str, id_number: str | None, record_no: str, phone: str | None,
    former_names: Iterable[str] = (),
) -> set[tuple[str, str]]:
    terms = identity_terms(name, id_number, phone) | {record_term(record_no)}
    for old in former_names:  # a renamed resident is found by the names it had (name kinds only)
        terms |= identity_terms(old, None, None)
    return terms


def pack(terms: Iterable[tuple[str, str]]) -> str:
    """A resident's terms as stored on its row (resident.terms): a JSON array of kind + term
    (sorted here; the order carries no meaning). The row says which term rows are its own, so
    they are found by their primary key (no second index of the term table by resident:
    writing it was a third of an import's SQLite time). Read in SQL with json_each: migration
    0007's trigger, INSERT_LISTED."""
    return _compact(sorted(k + t for k, t in terms))


def pack_with(packed: str, term: tuple[str, str]) -> str:
    """`packed` (from pack) and one more term (not in it), without decoding it again."""
    item = _compact(term[0] + term[1])
    return f"[{item}]" if packed == "[]" else f"{packed[:-1]},{item}]"


def unpack(packed: str | None) -> list[tuple[str, str]]:
    return [(v[0], v[1:]) for v in json.loads(packed)] if packed else []


# Keep in step with order_key() (migrations 0004 and 0007 have their own copies).
ORDER_SQL = ("(CASE r.status WHEN 'active' THEN 0 WHEN 'merged' THEN 2 ELSE 1 END) "
             "* 100000000000000000 + (CASE WHEN length(r.record_no) = 17 AND r.record_no NOT GLOB "
             "'*[^0-9]*' THEN CAST(r.record_no AS INTEGER) ELSE 99999999999999999 END)")  # fmt: skip

# The term rows of the residents stored after rowid :after, from the lists on their rows, in key
# order (neighbouring terms share index pages: each is loaded once), all in SQLite: building,
# sorting and binding ~12 tuples per resident in Python cost as much as inserting them.
INSERT_LISTED = (f"INSERT INTO resident_term (kind, term, resident_uuid, ord) "
                 f"SELECT substr(j.value, 1, 1), substr(j.value, 2), r.uuid, {ORDER_SQL} "
                 f"FROM resident AS r, json_each(r.terms) AS j WHERE r.rowid > ? ORDER BY 1, 2, 3")  # fmt: skip


def record_term(record_no: str) -> tuple[str, str]:
    return ("R", record_no[::-1])


def identity_terms(name: str, id_number: str | None, phone: str | None) -> set[tuple[str, str]]:
    """The terms that do not depend on the record number: what an import can work out for a row
    before it is given a number (in a worker process)."""
    terms: set[tuple[str, str]] = set()
    name = name.strip()
    syl = readings(name)
    for start in range(len(name)):
        terms.add(("N" if start == 0 else "n", name[start:]))
    for start in range(len(syl)):
        if start == 0:
            terms.update(("P", v) for v in full_variants(syl))
            terms.update(("I", v) for v in initials_variants(syl))
            continue
        # A later suffix is only looked up by a query of two letters or more (plan()): its
        # one-letter forms (the last initial, a syllable such as "e") could never be found.
        terms.update(("p", v) for v in full_variants(syl[start:]) if len(v) >= MIN_INNER)
        terms.update(("i", v) for v in initials_variants(syl[start:]) if len(v) >= MIN_INNER)
    if id_number:
        terms.add(("D", id_number[::-1]))
    if phone:
        digits = re.sub(r"\D", "", phone)
        if digits:
            terms.add(("T", digits[::-1]))
    return terms


class Plan(NamedTuple):
    """How to answer one query. `hits`: SQL selecting (uuid, ord, score) of every matching
    resident whose ord is below :ord_end (the caller binds it). `top`: SQL selecting (ord, uuid)
    of the residents with the best possible score (the typed text is one of their terms exactly),
    in list order, LIMIT :n; when it fills the page asked for, nobody else can rank above them and
    the page is answered without grouping every hit (a broad "zh" or "yy"). Plain SQL text with
    bound parameters: building the same statements from SQLAlchemy expressions cost more than
    running them."""

    hits: str
    top: str
    params: dict[str, Any]


def birth_date_of(query: str) -> str | None:
    """"19491231", "1949-12-31", "1949.12.31", "1949年12月31日" -> "1949-12-31"; else None."""
    q = query.strip()
    m = _DATE_SPELT.match(q)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    elif len(q) == 8 and q.isdigit() and q[:2] in ("18", "19", "20"):
        y, mo, d = int(q[:4]), int(q[4:6]), int(q[6:])
    else:
        return None
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def hint(query: str) -> str | None:
    """What to type when a digit query is too short to find what it looks like (Chinese)."""
    q = query.strip()
    if not q or not (q[:-1].isdigit() or q.isdigit()) or birth_date_of(q):
        return None
    if len(q) < MIN_DIGITS:
        return f"数字至少输入{MIN_DIGITS}位（电话、身份证号的后几位）"
    if 6 <= len(q) < MIN_ID_START:
        return (f"按身份证号开头查找请至少输入前{MIN_ID_START}位（地区6位＋出生年月6位）；"
                "按出生日期查找输入8位，如19491231")
    return None


def _resident_hits(query: str) -> tuple[list[str], dict[str, str]]:
    """SELECTs of (uuid, ord, score) from the resident table's own indexes: birth date, start
    of the ID number. Scores stay below an exact term (100) so Plan.top stays right."""
    selects: list[str] = []
    params: dict[str, Any] = {}
    birth = birth_date_of(query)
    if birth:
        selects.append(f"SELECT r.uuid AS uuid, {ORDER_SQL} AS ord, 90 AS score FROM resident AS r "
                       "WHERE r.birth_date = :birth")  # fmt: skip
        params["birth"] = birth
    q = query.strip().upper()
    if _ID_LIKE.match(q) and MIN_ID_START <= len(q) < 18:
        selects.append(f"SELECT r.uuid AS uuid, {ORDER_SQL} AS ord, 85 AS score FROM resident AS r "
                       "WHERE r.id_number >= :id_lo AND r.id_number < :id_hi")  # fmt: skip
        params.update(id_lo=q, id_hi=q + HIGH)
    return selects, params


def plan(query: str) -> Plan | None:
    """The Plan for `query`; None when the query cannot match anything."""
    q = query.strip()
    if not q:
        return None
    if (birth := birth_date_of(q)) and not q.isdigit():
        q = birth.replace("-", "")  # a spelt date: the same as its eight digits
    ranges: list[tuple[str, str]] = []  # (kind, prefix)
    exacts: list[tuple[str, str]] = []  # (kind, term)
    if _ID_LIKE.match(q):
        digits = q.upper()
        exact = digits[::-1]
        if len(digits) >= MIN_DIGITS:
            ranges += [("D", exact), ("T", exact)]
        if len(digits) == 8 and digits.isdigit():
            ranges.append(("R", exact))
        if len(digits) == 17 and digits.isdigit():
            exacts.append(("R", exact))
        if len(digits) == 15 and digits.isdigit():
            from forms.idnumber import convert_15_to_18

            exacts.append(("D", convert_15_to_18(digits)[::-1]))
        score = "CASE WHEN term = :exact THEN 100 ELSE 80 END"
        top_kinds = {k for k, _ in ranges} | {k for k, t in exacts if t == exact}
    elif _HAN.search(q):
        exact = re.sub(r"\s+", "", q)
        ranges = [("N", exact), ("n", exact)]
        score = "CASE WHEN term = :exact THEN 100 WHEN kind = 'N' THEN 80 ELSE 60 END"
        top_kinds = {"N", "n"}
    else:
        exact = re.sub(r"[^a-z]", "", q.lower())
        if not exact:
            return None
        ranges = [("P", exact), ("I", exact)]
        if len(exact) >= MIN_INNER:  # one letter inside a name matches nearly everyone: not useful
            ranges += [("p", exact), ("i", exact)]
        score = ("CASE WHEN kind IN ('P', 'I') AND term = :exact THEN 95 WHEN kind IN ('P', 'I') "
                 "THEN 75 WHEN term = :exact THEN 55 ELSE 40 END")  # fmt: skip
        top_kinds = {"P", "I"}
    if not ranges and not exacts:
        return None
    params = {"exact": exact}
    conds = []
    for i, (kind, prefix) in enumerate(ranges):
        params.update({f"k{i}": kind, f"lo{i}": prefix, f"hi{i}": prefix + HIGH})
        conds.append(f"(kind = :k{i} AND term >= :lo{i} AND term < :hi{i})")
    for i, (kind, term) in enumerate(exacts):
        params.update({f"ke{i}": kind, f"te{i}": term})
        conds.append(f"(kind = :ke{i} AND term = :te{i})")
    hits = (f"SELECT resident_uuid AS uuid, min(ord) AS ord, max({score}) AS score "
            f"FROM resident_term WHERE ({' OR '.join(conds)}) AND ord < :ord_end "
            "GROUP BY resident_uuid")  # fmt: skip
    more, more_params = _resident_hits(q)
    if more:
        terms = (f"SELECT resident_uuid AS uuid, ord, {score} AS score FROM resident_term "
                 f"WHERE ({' OR '.join(conds)}) AND ord < :ord_end")  # fmt: skip
        union = " UNION ALL ".join([terms, *more])
        hits = (f"SELECT uuid, min(ord) AS ord, max(score) AS score FROM ({union}) "
                "WHERE ord < :ord_end GROUP BY uuid")  # fmt: skip
        params.update(more_params)
    kinds = ", ".join(f"'{k}'" for k in sorted(top_kinds))  # kind letters are ours, not typed
    top = (f"SELECT DISTINCT ord, resident_uuid AS uuid FROM resident_term WHERE kind IN ({kinds}) "
           "AND term = :exact AND ord < :ord_end ORDER BY ord, resident_uuid LIMIT :n")  # fmt: skip
    return Plan(hits, top, params)

