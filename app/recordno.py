"""Record numbers (健康档案编号): 17 digits = county 6 + township 3 + village 3 + serial 5.

Serials come from blocks. A never-synced installation owns its own village's whole range (a
standalone clinic works this way for ever); the sync module adds blocks reserved by the county
server. A resident of another village gets a provisional number (flagged) until the next sync
replaces it, because only the server can promise that no other machine hands out the same one.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import Resident, SerialBlock

SERIAL_MAX = 99999
PROVISIONAL_FIRST = 90000  # provisional serials are drawn from the top of the range

RECORD_NO = re.compile(r"^\d{17}$")


def split(record_no: str) -> tuple[str, str, str, str]:
    return record_no[:6], record_no[6:9], record_no[9:12], record_no[12:]


def short(record_no: str) -> str:
    """The 8 digits printed on forms other than the cover: village-serial."""
    return f"{record_no[9:12]}-{record_no[12:]}"


def _taken(session: Session, number: str) -> bool:
    return session.execute(select(Resident.uuid).where(Resident.record_no == number)).first() is not None


def allocate(session: Session, institution_area: str, village: str) -> tuple[str, bool]:
    """Next free number for a resident of `village`; returns (number, provisional)."""
    prefix = institution_area[:9] + village
    blocks = session.execute(
        select(SerialBlock)
        .where(SerialBlock.prefix == prefix, SerialBlock.next <= SerialBlock.last)
        .order_by(SerialBlock.source == "provisional", SerialBlock.id)
    ).scalars().all()
    for block in blocks:
        while block.next <= block.last:
            number = f"{prefix}{block.next:05d}"
            block.next += 1
            if not _taken(session, number):
                return number, block.source == "provisional"
    ever = session.execute(select(SerialBlock.id).where(SerialBlock.prefix == prefix)).first()
    own_village = village == institution_area[9:12] and village != "000"
    if own_village and ever is None:
        session.add(
            SerialBlock(
                prefix=prefix, first=1, last=SERIAL_MAX, next=1, source="village-range",
                created_at=now_iso(),
            )
        )  # fmt: skip
    elif not any(b.source == "provisional" for b in blocks):
        session.add(
            SerialBlock(
                prefix=prefix, first=PROVISIONAL_FIRST, last=SERIAL_MAX, next=PROVISIONAL_FIRST,
                source="provisional", created_at=now_iso(),
            )
        )  # fmt: skip
    else:
        raise RuntimeError(f"no record numbers left for {prefix}")
    session.flush()
    return allocate(session, institution_area, village)


def add_block(session: Session, prefix: str, first: int, last: int, source: str = "server") -> None:
    session.add(
        SerialBlock(prefix=prefix, first=first, last=last, next=first, source=source,
                    created_at=now_iso())
    )  # fmt: skip
