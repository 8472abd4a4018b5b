"""Record numbers (档案编号: 12-digit area + 5-digit serial): the server's one allocator.

Every number the server hands out, to a pushed resident or as a block for a device to use offline,
comes from the area's counter here; a device's own number is kept only when `keep_or_draw` says so.
The callers hold the sequence counter lock (db.SeqAllocator), so two pushes never draw the same
serial."""

from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.models import Entity, SerialCounter

MAX_SERIAL = 99999


class Exhausted(Exception):
    """The area has no serial left; str() is the Chinese reason."""

    def __init__(self, area: str) -> None:
        super().__init__(f"区划 {area} 的档案流水号（00001-99999）已用完：请联系县卫健局")
        self.area = area


def _counter(session: Session, area: str) -> SerialCounter:
    row = session.get(SerialCounter, area)
    if row is None:
        row = SerialCounter(area=area, next=1)
        session.add(row)
    return row


def claim(session: Session, area: str, serial: int) -> None:
    """A kept device number: the counter moves past it so it is never drawn again."""
    row = _counter(session, area)
    if row.next <= serial:
        row.next = serial + 1


def draw(session: Session, area: str, n: int) -> list[str]:
    """`n` free numbers of `area`, in order, skipping any already held."""
    row = _counter(session, area)
    out: list[str] = []
    while len(out) < n:
        if row.next > MAX_SERIAL:
            raise Exhausted(area)
        top = min(MAX_SERIAL, row.next + (n - len(out)) * 2 - 1)
        candidates = [f"{area}{k:05d}" for k in range(row.next, top + 1)]
        taken = set(
            session.scalars(select(Entity.record_no).where(Entity.record_no.in_(candidates)))
        )
        for no in candidates:
            row.next = int(no[12:]) + 1
            if no not in taken:
                out.append(no)
                if len(out) == n:
                    break
    return out


def block(session: Session, area: str, count: int) -> tuple[int, int]:
    """A contiguous block of `count` serials for a device to use offline."""
    row = _counter(session, area)
    first = row.next
    last = first + count - 1
    if last > MAX_SERIAL:
        raise Exhausted(area)
    row.next = last + 1
    return first, last


def well_formed(no: object, area: str) -> bool:
    return isinstance(no, str) and bool(re.fullmatch(r"[0-9]{17}", no)) and no[:12] == area


def keep_or_draw(session: Session, entries: list[tuple[Entity, bool]]) -> dict[str, str]:
    """Give each new resident of `entries` (entity, provisional) its number, in two queries for
    the lot: a device number is kept when well formed, not provisional and free; the rest are
    drawn from the counter. Returns {uuid: number} of those replaced, for the device to renumber
    and reprint the card."""
    wanted = [
        e.data.get("record_no")
        for e, prov in entries
        if not prov and well_formed(e.data.get("record_no"), e.area)
    ]
    taken = (
        set(session.scalars(select(Entity.record_no).where(Entity.record_no.in_(wanted))))
        if wanted
        else set()
    )
    used: set[str] = set()
    fresh: dict[str, list[Entity]] = defaultdict(list)
    for e, prov in entries:
        no = e.data.get("record_no")
        if not prov and well_formed(no, e.area) and no not in taken and no not in used:
            used.add(no)
            e.record_no = no
            claim(session, e.area, int(no[12:]))
        else:
            fresh[e.area].append(e)
    replaced: dict[str, str] = {}
    for area, ents in fresh.items():
        for e, no in zip(ents, draw(session, area, len(ents)), strict=True):
            e.record_no = no
            e.data = {**e.data, "record_no": no}
            replaced[e.uuid] = no
    return replaced
