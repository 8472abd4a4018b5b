"""Who is due for a follow-up or the annual exam (simple rules of the 2017 Standard).

- hypertension (tag htn) and type 2 diabetes (tag dm): a follow-up every quarter; when the last
  follow-up set `next_visit_date`, that date instead;
- 65 and over: a health exam (health_exam) once a year.
Someone never seen for an item is due from the day they were registered (or turned 65).
Only residents with status active are listed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from app.clock import today
from app.db.models import Record, Resident
from app.services import refs
from app.services.residents import summary

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.store import Store

KINDS = ("htn_followup", "dm_followup", "health_exam")
KIND_LABELS = {"htn_followup": "高血压随访", "dm_followup": "糖尿病随访", "health_exam": "年度健康体检"}
TAG_OF = {"htn_followup": "htn", "dm_followup": "dm"}
ELDERLY_AGE = 65


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):  # 31 May + 3 months -> 31 Aug; 30 Nov + 3 -> 28/29 Feb
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def birthday_at(birth: dt.date, age: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born 29 February
        return dt.date(birth.year + age, 2, 28)


def _kinds_of(r: Resident, on: dt.date) -> list[str]:
    tags = set((r.tags or "").split())
    kinds = [k for k, tag in TAG_OF.items() if tag in tags]
    try:
        if birthday_at(dt.date.fromisoformat(r.birth_date), ELDERLY_AGE) <= on:
            kinds.append("health_exam")
    except ValueError:
        pass
    return kinds


def _due_date(r: Resident, kind: str, last: tuple[str | None, str | None] | None) -> dt.date:
    visit, next_visit = last if last is not None else (None, None)
    if visit:
        if next_visit and kind != "health_exam":
            try:
                return dt.date.fromisoformat(next_visit)
            except ValueError:
                pass
        v = dt.date.fromisoformat(visit)
        return add_months(v, 12 if kind == "health_exam" else 3)
    start = dt.date.fromisoformat(r.created_at[:10])
    if kind == "health_exam":
        start = max(start, birthday_at(dt.date.fromisoformat(r.birth_date), ELDERLY_AGE))
    return start


def _latest(s: Any, uuids: list[str]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(resident, form) -> (last visit date, next_visit_date written at that visit)."""
    out: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for i in range(0, len(uuids), 500):
        rows = s.execute(
            select(Record.resident_uuid, Record.form, Record.visit_date,
                   func.json_extract(Record.doc, "$.next_visit_date"))  # fmt: skip
            .where(Record.resident_uuid.in_(uuids[i : i + 500]), Record.form.in_(KINDS),
                   Record.status == "final")  # fmt: skip
            .order_by(Record.visit_date)
        )
        for resident_uuid, form, visit, next_visit in rows:
            out[(resident_uuid, form)] = (visit, next_visit)  # ordered: the last one wins
    return out


def _items(s: Any, residents: list[Resident], on: dt.date) -> list[dict[str, Any]]:
    latest = _latest(s, [r.uuid for r in residents])
    items = []
    for r in residents:
        for kind in _kinds_of(r, on):
            last = latest.get((r.uuid, kind))
            due = _due_date(r, kind, last)
            items.append({"resident": summary(r), "kind": kind, "label": KIND_LABELS[kind],
                          "due_date": due.isoformat(), "last_visit": last[0] if last else None,
                          "overdue": due < on})  # fmt: skip
    return items


def list_due(store: Store, *, until: str | None = None, village: str | None = None,
             kinds: tuple[str, ...] | list[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Everything due on or before `until` (default today), overdue included, by village, date."""
    on = today()
    end = dt.date.fromisoformat(until) if until else on
    wanted = set(kinds or KINDS)
    # Whoever turns 65 by the end of this year; _kinds_of then checks the exact birthday.
    cutoff = dt.date(on.year - ELDERLY_AGE, 12, 31)
    with store.session() as s:
        q = select(Resident).where(Resident.status == "active").where(
            or_(Resident.tags != "", Resident.birth_date <= cutoff.isoformat())
        )
        if village:
            q = q.where(Resident.village == village)
        residents = list(s.execute(q).scalars())
        items = [i for i in _items(s, residents, on) if i["kind"] in wanted and i["due_date"] <= end.isoformat()]
    items.sort(key=lambda i: (i["resident"]["village"], i["due_date"], i["resident"]["record_no"]))
    return items


def for_resident(store: Store, ref: str) -> list[dict[str, Any]]:
    """This resident's items with their next due date, whatever the date."""
    with store.session() as s:
        return of_resident(s, refs.resident(s, ref))


def of_resident(s: Session, r: Resident) -> list[dict[str, Any]]:
    """for_resident in the caller's transaction."""
    if r.status != "active":
        return []
    return sorted(_items(s, [r], today()), key=lambda i: i["due_date"])
