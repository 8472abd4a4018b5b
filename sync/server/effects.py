"""What an applied change does beyond its own entity: records that follow their resident (a move
to another village, a merge, an unmerge)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.server import feed
from sync.server.db import SeqAllocator
from sync.server.models import Conflict, Entity, MergeMove, Move


def set_record_owner(session: Session, seq: SeqAllocator, r: Entity, owner: Entity) -> None:
    old_area = r.area
    feed.state_remove(session, r.area, r.uuid, r.rev)
    r.data = {**r.data, "resident": owner.uuid}
    r.resident_uuid, r.area, r.rev = owner.uuid, owner.area, r.rev + 1
    feed.state_add(session, r.area, r.uuid, r.rev)
    r.seq = feed.publish(session, seq, r)
    if old_area != r.area:
        feed.touch(session, seq, "record", r.uuid, old_area, op="exit")


def records_follow_merge(
    session: Session, seq: SeqAllocator, e: Entity, was_merged_into: str | None, survivor: Entity
) -> None:
    """Mirror the device: merging moves the duplicate's records to the survivor, unmerging
    moves back exactly those."""
    if e.merged_into:
        for r in list(session.scalars(select(Entity).where(Entity.resident_uuid == e.uuid))):
            set_record_owner(session, seq, r, survivor)
            session.add(MergeMove(duplicate_uuid=e.uuid, record_uuid=r.uuid))
    if was_merged_into and not e.merged_into:
        for m in list(session.scalars(select(MergeMove).where(MergeMove.duplicate_uuid == e.uuid))):
            back = session.get(Entity, m.record_uuid)
            if back is not None and back.resident_uuid != e.uuid:
                set_record_owner(session, seq, back, e)
            session.delete(m)


def moved(
    session: Session,
    seq: SeqAllocator,
    e: Entity,
    old_area: str,
    new_area: str,
    old_rev: int,
    device_id: str,
) -> None:
    """The resident changed village: its records follow it; the old area's feed gets exits. The
    move keeps the exit's sequence number: a device of the old area that has been sent it (or
    made the move) knows the resident left (push.pusher._access)."""
    exit_seq = feed.touch(session, seq, "resident", e.uuid, old_area, op="exit")
    session.add(
        Move(uuid=e.uuid, rev=old_rev, old_area=old_area, new_area=new_area, seq=exit_seq,
             device_id=device_id)
    )  # fmt: skip
    for r in session.scalars(select(Entity).where(Entity.resident_uuid == e.uuid)):
        feed.state_remove(session, r.area, r.uuid, r.rev)
        feed.state_add(session, new_area, r.uuid, r.rev)
        r.area = new_area
        r.seq = feed.publish(session, seq, r)
        feed.touch(session, seq, "record", r.uuid, old_area, op="exit")
    session.execute(update(Conflict).where(Conflict.resident_uuid == e.uuid).values(area=new_area))
