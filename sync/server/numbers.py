"""Record numbers (档案编号: 12-digit area + 5-digit serial): the server's one allocator.

Every number the server hands out, to a pushed resident or as a block for a device to use offline,
comes from the area's counter here. A device's own number is kept only when it lies in a block
this server issued to that device and is free; any other is replaced and the device told (so one
device cannot use up a village's numbers by pushing 99999). A device holds at most QUOTA unused
serials per area. The callers hold the sequence counter lock (db.SeqAllocator), so two pushes
never draw the same serial."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.server.models import Entity, SerialBlock, SerialCounter

MAX_SERIAL = 99999
QUOTA = 1000  # unused serials one device may hold for one area (the client asks for 100 at a time)


class Exhausted(Exception):
    """The area has no serial left; str() is the Chinese reason."""

    def __init__(self, area: str) -> None:
        super().__init__(f"区划 {area} 的档案流水号（00001-99999）已用完：请联系县卫健局")
        self.area = area


class OverQuota(Exception):
    """The device still holds enough unused serials; str() is the Chinese reason."""

    def __init__(self, unused: int) -> None:
        super().__init__(
            f"本机还有 {unused} 个未用的档案流水号，每台设备最多持有 {QUOTA} 个：用完后再申请"
        )


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
        # A range on the unique index (the candidates are consecutive numbers of one area):
        # cheaper for PostgreSQL than a list of a hundred values.
        taken = set(
            session.scalars(
                select(Entity.record_no).where(
                    Entity.record_no >= candidates[0], Entity.record_no <= candidates[-1]
                )
            )
        )
        for no in candidates:
            row.next = int(no[12:]) + 1
            if no not in taken:
                out.append(no)
                if len(out) == n:
                    break
    return out


# The most numbers a village clinic can bring from before its enrolment (a village of more
# residents than this is not a village): bounds what one enrolment code can reserve.
ADOPT_MAX = 20_000


def adopt(session: Session, device_id: str, area: str, last: int) -> tuple[int, int] | None:
    """At enrolment: the serials 1..`last` a village clinic handed out from its own village's
    range before it knew the county (app/recordno.py), reserved as a block of the new device so
    its first push keeps them (no renumbering, no cards to reprint). Only while the county has
    issued no number of that village yet and holds none in that range, i.e. while they can
    still be unique; else None, and the first push replaces those that collide, as before."""
    if not 1 <= last <= ADOPT_MAX:
        return None
    row = _counter(session, area)
    if row.next != 1:
        return None
    held = session.scalar(
        select(func.count()).where(
            Entity.record_no >= f"{area}00001", Entity.record_no <= f"{area}{last:05d}"
        )
    )
    if held:
        return None
    row.next = last + 1
    session.add(SerialBlock(device_id=device_id, area=area, first=1, last=last))
    return 1, last


def unused(session: Session, device_id: str, area: str) -> int:
    """Serials of the device's blocks for `area` that no resident on the server holds yet."""
    total = 0
    for b in session.scalars(
        select(SerialBlock).where(SerialBlock.device_id == device_id, SerialBlock.area == area)
    ):
        held = session.scalar(
            select(func.count()).where(
                Entity.record_no >= f"{area}{b.first:05d}",
                Entity.record_no <= f"{area}{b.last:05d}",
            )
        )
        total += b.last - b.first + 1 - (held or 0)
    return total


def block(session: Session, device_id: str, area: str, count: int) -> tuple[int, int]:
    """A contiguous block of `count` serials for the device to use offline, within its quota."""
    left = unused(session, device_id, area)
    if left + count > QUOTA:
        raise OverQuota(left)
    row = _counter(session, area)
    first = row.next
    last = first + count - 1
    if last > MAX_SERIAL:
        raise Exhausted(area)
    row.next = last + 1
    session.add(SerialBlock(device_id=device_id, area=area, first=first, last=last))
    return first, last


def _issued(session: Session, device_id: str, areas: set[str]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if areas:
        for b in session.scalars(
            select(SerialBlock).where(
                SerialBlock.device_id == device_id, SerialBlock.area.in_(areas)
            )
        ):
            out[b.area].append((b.first, b.last))
    for blocks in out.values():
        blocks.sort()  # blocks never overlap: bisect finds the one that may hold a serial
    return out


def well_formed(no: object, area: str) -> bool:
    return isinstance(no, str) and bool(re.fullmatch(r"[0-9]{17}", no)) and no[:12] == area


def keep_or_draw(
    session: Session, device_id: str, entries: list[tuple[Entity, bool]]
) -> dict[str, str]:
    """Give each new resident of `entries` (entity, provisional) its number, in three queries for
    the lot: a device number is kept when well formed, not provisional, in a block issued to this
    device and free; the rest are drawn from the counter. Returns {uuid: number} of those
    replaced, for the device to renumber and reprint the card."""
    blocks = _issued(session, device_id, {e.area for e, _ in entries if e.data.get("record_no")})

    def issued(no: object, area: str) -> bool:
        if not well_formed(no, area):
            return False
        serial = int(str(no)[12:])
        mine = blocks.get(area, [])
        k = bisect.bisect_right(mine, (serial, MAX_SERIAL + 1)) - 1
        return k >= 0 and mine[k][0] <= serial <= mine[k][1]

    wanted = [
        e.data.get("record_no")
        for e, prov in entries
        if not prov and issued(e.data.get("record_no"), e.area)
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
        if (
            isinstance(no, str)
            and not prov
            and issued(no, e.area)
            and no not in taken
            and no not in used
        ):
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
