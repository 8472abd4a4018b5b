"""Pregnancy episodes, pure: a woman's maternal records in, her pregnancies out (issue 15).

A pregnancy is not stored: it is derived from the records, so it syncs with them for free and
the county server (which imports only forms/) sees the same episodes as the clinic. See
docs/decisions/pregnancy-episodes.md.

- 第1次产前检查 (prenatal_first) opens an episode: 末次月经 gives the expected date and the week
  of every later visit (an 预产期 corrected by ultrasound wins: the dating day is then 预产期-280).
- 第2～5次产前随访 joins the open episode whose weeks it falls in; one with none opens an
  episode without registration (first exam elsewhere), dated by its own 孕周 when written.
- 产后访视 / 产后42天 end the open episode by the delivery (their 分娩日期), or join the episode
  delivered shortly before; one with no episode opens one that starts at the delivery.
- 妊娠结局记录 (pregnancy_outcome) ends the open episode by its outcome: a delivery, or 流产,
  引产, 死胎死产, 失访, 迁出...
- A second 第1次产前检查 while one is open starts a new episode; the earlier one is ended with
  its outcome not recorded (the record warning asks first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from forms.checks import parse_date
from forms.definitions.maternal import due_date

FIRST, FOLLOWUP, VISIT, DAY42, OUTCOME = (
    "prenatal_first", "prenatal_followup", "postpartum_visit", "postpartum_42d", "pregnancy_outcome",
)  # fmt: skip
FORMS = (FIRST, FOLLOWUP, VISIT, DAY42, OUTCOME)
# The fields the episodes read from each form (the clinic reads only these from its store).
FIELDS: dict[str, tuple[str, ...]] = {
    FIRST: ("lmp", "edd", "gest_weeks", "gest_days"),
    FOLLOWUP: ("visit_no", "visit_kind", "gest_weeks"),
    VISIT: ("delivery_date", "discharge_date"),
    DAY42: ("delivery_date", "discharge_date", "outcome"),
    OUTCOME: ("outcome", "outcome_date", "gest_weeks"),
}
TERM_DAYS = 280
# An episode is still pregnant until 42+6 weeks (after that the outcome is overdue); a
# postpartum record joins a delivery up to this many days before it.
OPEN_UNTIL_DAYS = 43 * 7 - 1
POSTPARTUM_JOIN_DAYS = 120
# 妊娠结局 codes (forms/codes/common.py pregnancy_outcome) that are a delivery: the postpartum
# visits follow them [U: the standard names none after 引产].
DELIVERY_OUTCOMES = ("1", "2")
OUTCOME_LABELS = {"1": "活产分娩", "2": "死胎死产", "3": "自然流产", "4": "人工流产", "5": "引产",
                  "6": "异位妊娠", "7": "失访", "8": "迁出", "9": "孕产妇死亡", "10": "其他",
                  "delivery": "分娩", "superseded": "结局未记录（其后另建册）"}  # fmt: skip
# Forms in the order they happen on one day (a first exam before a follow-up of the same day).
_ORDER = {f: i for i, f in enumerate((FIRST, FOLLOWUP, OUTCOME, VISIT, DAY42))}


@dataclass(frozen=True)
class MaternalRecord:
    """One final maternal record as the episodes see it."""

    uuid: str
    form: str
    day: dt.date
    doc: dict[str, Any]

    @classmethod
    def of(cls, uuid: str, form: str, doc: dict[str, Any]) -> MaternalRecord | None:
        day = _day(doc.get("visit_date"))
        return None if day is None or form not in FORMS else cls(uuid, form, day, doc)


@dataclass
class Episode:
    """One pregnancy: its dating, its records (oldest first) and how it ended."""

    lmp: dt.date | None = None  # as written on the first exam (None: unknown)
    edd: dt.date | None = None  # as written, else from the LMP
    dating: dt.date | None = None  # the day of week 0: the LMP, or 预产期-280 when corrected
    registered: dt.date | None = None  # the first exam's day (None: registered elsewhere)
    first_weeks: int | None = None  # completed weeks at the first exam
    records: list[MaternalRecord] = field(default_factory=list)
    end: dt.date | None = None  # the delivery or the outcome's day
    outcome: str | None = None  # "delivery", an outcome code, or "superseded"
    discharge: dt.date | None = None
    closed: bool = False  # the 42-day exam or a non-delivery outcome: nothing more is due

    @property
    def start(self) -> dt.date:
        return self.dating or self.registered or (self.records[0].day if self.records else dt.date.min)

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivery" or self.outcome in DELIVERY_OUTCOMES

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    def weeks_on(self, day: dt.date) -> tuple[int, int] | None:
        """孕周 on `day`: completed weeks and days since the dating day (None: not dated)."""
        if self.dating is None or day < self.dating:
            return None
        days = (day - self.dating).days
        return days // 7, days % 7

    def of_form(self, *forms: str) -> list[MaternalRecord]:
        return [r for r in self.records if r.form in forms]

    def prenatal_visits(self, *, count_urged: bool = True) -> list[MaternalRecord]:
        """The first exam and the follow-ups (督促-only columns counted when `count_urged`)."""
        return [r for r in self.records if r.form == FIRST
                or (r.form == FOLLOWUP and (count_urged or r.doc.get("visit_kind") != "2"))]  # fmt: skip

    def state(self, on: dt.date) -> str:
        """pregnant, overdue (past 42+6 weeks, no outcome recorded), postpartum (delivered, the
        42-day exam not done) or closed."""
        if self.closed or (self.ended and not self.delivered):
            return "closed"
        if self.delivered:
            return "postpartum"
        if self.dating is not None and (on - self.dating).days > OPEN_UNTIL_DAYS:
            return "overdue"
        return "pregnant"

    def open_on(self, day: dt.date) -> bool:
        """Still pregnant on `day` as far as the records say (a follow-up may join it)."""
        if self.ended or day < self.start:
            return False
        return self.dating is None or (day - self.dating).days <= OPEN_UNTIL_DAYS


def _day(value: Any) -> dt.date | None:
    """A stored date (ISO text: the fast path, thousands per call), else what parse_date reads."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return parse_date(value)


def dating_day(lmp: dt.date | None, edd: dt.date | None, by_lmp: dt.date | None = None) -> dt.date | None:
    """Week 0 of the pregnancy: the LMP, unless the 预产期 was corrected away from the one the
    LMP gives (`by_lmp`, computed when not passed; ultrasound): then 预产期 - 280 days."""
    if lmp is not None and (edd is None or edd == (by_lmp or due_date(lmp))):
        return lmp
    if edd is not None:
        return edd - dt.timedelta(days=TERM_DAYS)
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _open_first(r: MaternalRecord) -> Episode:
    lmp, edd = _day(r.doc.get("lmp")), _day(r.doc.get("edd"))
    by_lmp = due_date(lmp) if lmp is not None else None
    edd = edd or by_lmp
    ep = Episode(lmp=lmp, edd=edd, dating=dating_day(lmp, edd, by_lmp), registered=r.day)
    weeks = ep.weeks_on(r.day)
    ep.first_weeks = weeks[0] if weeks else _int(r.doc.get("gest_weeks"))
    if ep.dating is None and ep.first_weeks is not None:  # 末次月经不详: dated by the written week
        ep.dating = r.day - dt.timedelta(days=7 * ep.first_weeks + (_int(r.doc.get("gest_days")) or 0))
        ep.edd = ep.dating + dt.timedelta(days=TERM_DAYS)
    return ep


def _unregistered(r: MaternalRecord) -> Episode:
    """An episode first seen at a follow-up (first exam elsewhere): dated by its 孕周."""
    weeks = _int(r.doc.get("gest_weeks"))
    ep = Episode()
    if weeks is not None:
        ep.dating = r.day - dt.timedelta(days=7 * weeks)
        ep.edd = ep.dating + dt.timedelta(days=TERM_DAYS)
    return ep


def _deliver(ep: Episode, r: MaternalRecord) -> None:
    ep.outcome = "delivery"
    ep.end = _day(r.doc.get("delivery_date")) or ep.end or r.day
    ep.discharge = _day(r.doc.get("discharge_date")) or ep.discharge


def episodes(records: Iterable[MaternalRecord]) -> list[Episode]:
    """A woman's pregnancies, oldest first, from her final maternal records (any order)."""
    out: list[Episode] = []
    for r in sorted(records, key=lambda r: (r.day, _ORDER.get(r.form, 9), r.uuid)):
        current = out[-1] if out else None
        if r.form == FIRST:
            if current is not None and not current.ended:
                current.outcome, current.end = "superseded", r.day
            out.append(_open_first(r))
            out[-1].records.append(r)
        elif r.form == FOLLOWUP:
            if current is None or not current.open_on(r.day):
                current = _unregistered(r)
                out.append(current)
            current.records.append(r)
        elif r.form == OUTCOME:
            day = _day(r.doc.get("outcome_date")) or r.day
            if current is None or current.ended or day < current.start:
                current = Episode()
                out.append(current)
            code = str(r.doc.get("outcome") or "10")
            current.outcome, current.end = code, day
            current.closed = code not in DELIVERY_OUTCOMES
            current.records.append(r)
        else:  # 产后访视, 产后42天
            delivered = _day(r.doc.get("delivery_date"))
            joins = current is not None and (
                (not current.ended and r.day >= current.start)
                or (current.delivered and not current.closed and current.end is not None
                    and (r.day - current.end).days <= POSTPARTUM_JOIN_DAYS
                    and (delivered is None or delivered == current.end)))  # fmt: skip
            if current is None or not joins:
                current = Episode()
                out.append(current)
            if not current.delivered:
                _deliver(current, r)
            elif current.discharge is None:
                current.discharge = _day(r.doc.get("discharge_date"))
            current.records.append(r)
            if r.form == DAY42:
                current.closed = True
    return out


def of_docs(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> list[Episode]:
    """episodes() of (uuid, form, document) rows; rows without a visit date are left out."""
    return episodes(m for u, f, d in rows if (m := MaternalRecord.of(u, f, d)) is not None)


def containing(eps: list[Episode], uuid: str) -> Episode | None:
    return next((e for e in eps if any(r.uuid == uuid for r in e.records)), None)


def latest(eps: list[Episode]) -> Episode | None:
    return eps[-1] if eps else None


def weeks_text(weeks: tuple[int, int] | None) -> str:
    if weeks is None:
        return "孕周不详"
    return f"孕{weeks[0]}周" + (f"+{weeks[1]}天" if weeks[1] else "")
