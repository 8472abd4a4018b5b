"""A woman's pregnancies from this clinic's records (forms/pregnancy.py groups them): for the
due list, the indicators, the record warnings and the resident view's pregnancy panel."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.clock import today
from app.services import refs
from forms import pregnancy as P
from forms.schedule import maternal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.rules import Table
    from app.store import Store


# Every field the grouping reads, extracted by SQLite: a maternal document holds up to ~90
# fields, and decoding only these costs a fraction of json.loads (bench/bench_pregnancy.py).
_KEYS = tuple(dict.fromkeys(k for keys in P.FIELDS.values() for k in keys))
_COLS = ", ".join(f"json_extract(doc, '$.{k}')" for k in _KEYS)


def by_resident(s: Session, uuids: list[str] | None = None, *, exclude: str | None = None,
                active_since: dt.date | None = None) -> dict[str, list[P.Episode]]:  # fmt: skip
    """resident -> their pregnancies, from their final maternal records (`exclude`: a record
    left out, the one being corrected; `active_since`: only the women with a maternal record
    on or after that day, all their records read)."""
    forms = ", ".join(f"'{f}'" for f in P.FORMS)
    sql = (f"SELECT resident_uuid, uuid, form, visit_date, {_COLS} FROM record "
           f"WHERE form IN ({forms}) AND status = 'final' AND visit_date IS NOT NULL")  # fmt: skip
    params: dict[str, Any] = {}
    if active_since is not None:
        sql += (f" AND resident_uuid IN (SELECT resident_uuid FROM record WHERE form IN ({forms}) "
                "AND status = 'final' AND visit_date >= :since)")  # fmt: skip
        params["since"] = active_since.isoformat()
    if uuids is not None:
        sql += " AND resident_uuid IN (SELECT value FROM json_each(:uuids))"
        params["uuids"] = json.dumps(uuids)
    found: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    cur = s.connection().connection.cursor()  # plain tuples, as app/services/due.py reads
    try:
        cur.execute(sql, params)
        got = cur.fetchall()
    finally:
        cur.close()
    for owner, uuid, form, day, *values in got:
        if uuid != exclude:
            doc = {k: v for k, v in zip(_KEYS, values, strict=True) if v is not None}
            doc["visit_date"] = day
            found.setdefault(owner, []).append((uuid, form, doc))
    return {owner: P.of_docs(docs) for owner, docs in found.items()}


# The same fields as the partial index ix_record_pregnancy holds them (migration 0013): the
# query below reads that index alone when it spells its WHERE the index's way.
_FORMS_IN = "form IN (" + ", ".join(f"'{f}'" for f in P.FORMS) + ") AND status = 'final'"
_ISO = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"


def latest_by_resident(s: Session, uuids: list[str] | None = None, *,
                       active_since: dt.date | None = None) -> dict[str, P.Episode]:  # fmt: skip
    """resident -> her latest pregnancy (by_resident(...)[-1], the one the due list follows)."""
    return dict(latest_episodes(s, uuids, active_since=active_since))


def latest_episodes(s: Session, uuids: list[str] | None = None, *,
                    active_since: dt.date | None = None) -> Iterator[tuple[str, P.Episode]]:  # fmt: skip
    """(resident, her latest pregnancy), one woman at a time (`active_since`: only the women with
    a maternal record on or after that day), reading only the records it can be made of: a
    第1次产前检查 always opens a new episode, so nothing sorted before a woman's latest one
    (forms/pregnancy.py episodes) changes it, and her records from that day on (all of them
    when she has none) are enough. Records of that day sorted before it (another first exam)
    only make an earlier episode. From the index ix_record_pregnancy alone, one query, its rows
    taken as they come: a caller that keeps only what is due from each pregnancy holds a few
    objects per woman, not her records (fewer for the cyclic collector to walk)."""
    cols = ", ".join(f"json_extract(r.doc, '$.{k}')" for k in _KEYS)
    # a: each woman, with the day of her latest first exam (as text, for the comparison below:
    # one whose day cannot be read opens nothing); her records from that day on.
    mine = ["1"]
    params: dict[str, Any] = {}
    if uuids is not None:
        mine.append("resident_uuid IN (SELECT value FROM json_each(:uuids))")
        params["uuids"] = json.dumps(uuids)
    having = ""
    if active_since is not None:
        having = " HAVING max(visit_date) >= :since"
        params["since"] = active_since.isoformat()
    sql = (f"SELECT r.resident_uuid, r.uuid, r.form, r.visit_date, {cols} FROM (SELECT resident_uuid AS u, "
           f"max(CASE WHEN form = '{P.FIRST}' AND date(visit_date) = visit_date THEN visit_date END) AS m "
           f"FROM record INDEXED BY ix_record_pregnancy WHERE {_FORMS_IN} AND {' AND '.join(mine)} "
           f"GROUP BY resident_uuid{having}) AS a JOIN record AS r INDEXED BY ix_record_pregnancy "
           f"ON r.resident_uuid = a.u WHERE r.{_FORMS_IN.replace('status', 'r.status')} AND "
           f"r.visit_date IS NOT NULL AND (a.m IS NULL OR r.visit_date >= a.m OR r.visit_date NOT GLOB {_ISO}) "
           "ORDER BY a.u")  # fmt: skip
    cur = s.connection().connection.cursor()
    try:
        owner = ""
        docs: list[tuple[str, str, dict[str, Any]]] = []
        for who, uuid, form, day, *values in cur.execute(sql, params):
            if who != owner:
                if docs and (eps := P.of_docs(docs)):
                    yield owner, eps[-1]
                owner, docs = str(who), []
            doc = {k: v for k, v in zip(_KEYS, values, strict=True) if v is not None}
            doc["visit_date"] = day
            docs.append((uuid, form, doc))
        if docs and (eps := P.of_docs(docs)):
            yield owner, eps[-1]
    finally:
        cur.close()


def _record(r: P.MaternalRecord, ep: P.Episode) -> dict[str, Any]:
    return {"uuid": r.uuid, "form": r.form, "visit_date": r.day.isoformat(),
            "weeks": P.weeks_text(ep.weeks_on(r.day)) if r.form in (P.FIRST, P.FOLLOWUP) else None}  # fmt: skip


def summary(ep: P.Episode, on: dt.date) -> dict[str, Any]:
    """One pregnancy as the panel and `--json` show it."""
    iso = (lambda d: d.isoformat() if d else None)  # noqa: E731
    weeks = ep.weeks_on(on) if ep.state(on) in ("pregnant", "overdue") else None
    return {"state": ep.state(on), "lmp": iso(ep.lmp), "edd": iso(ep.edd), "registered": iso(ep.registered),
            "first_weeks": ep.first_weeks, "weeks_today": list(weeks) if weeks else None,
            "weeks_text": P.weeks_text(weeks) if weeks else None,
            "end": iso(ep.end), "outcome": ep.outcome, "outcome_label": P.OUTCOME_LABELS.get(ep.outcome or ""),
            "discharge": iso(ep.discharge), "prenatal_visits": len(ep.prenatal_visits()),
            "records": [_record(r, ep) for r in ep.records]}  # fmt: skip


def of_resident_in(s: Session, table: Table, uuid: str, on: dt.date) -> dict[str, Any]:
    """The resident's pregnancies (latest first) and what is due from the latest, in the
    caller's transaction."""
    eps = by_resident(s, [uuid]).get(uuid, [])
    due = []
    latest = P.latest(eps)
    for rule in table.rules:
        d = maternal(rule, latest, on)
        if d is not None:
            due.append({"item": d.item, "form": d.form, "due_date": d.due.isoformat(), "reason": d.reason,
                        "deadline": d.deadline.isoformat() if d.deadline else None,
                        "overdue": (d.deadline or d.due) < on})  # fmt: skip
    return {"pregnancies": [summary(e, on) for e in reversed(eps)],
            "due": sorted(due, key=lambda d: d["due_date"])}


def of_resident(store: Store, ref: str, on: dt.date | None = None) -> dict[str, Any]:
    from app import rules as rules_mod

    table = rules_mod.for_store(store)
    with store.session() as s:
        uuid = refs.resident(s, ref).uuid
        return of_resident_in(s, table, uuid, on or today())
