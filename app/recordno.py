"""Record numbers (健康档案编号): 17 digits = county 6 + township 3 + village 3 + serial 5.

Serials come from blocks. A never-synced installation owns its own village's whole range (a
standalone clinic works this way for ever); the sync module adds blocks reserved by the county
server. A resident of another village gets a provisional number (flagged) until the next sync
replaces it, because only the server can promise that no other machine hands out the same one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from app.clock import now_iso
from app.db.models import SerialBlock
from app.errors import DataError

SERIAL_MAX = 99999
PROVISIONAL_FIRST = 90000  # provisional serials are drawn from the top of the range

RECORD_NO = re.compile(r"^\d{17}$")


def split(record_no: str) -> tuple[str, str, str, str]:
    return record_no[:6], record_no[6:9], record_no[9:12], record_no[12:]


def short(record_no: str) -> str:
    """The 8 digits printed on forms other than the cover: village-serial."""
    return f"{record_no[9:12]}-{record_no[12:]}"


class Numbers:
    """Hands out the next free numbers of one village, in the order they were always allocated:
    available blocks (next <= last) by (provisional last, id), each from its `next` on, skipping
    numbers a resident already has. With no number left it opens a block: the village's whole
    range for the installation's own village if it never had one, else a provisional block.

    Plain SQL on the session's connection, no ORM objects: a registration costs a couple of
    indexed statements, not an ORM round per block. save() writes the blocks' new positions;
    call it before the transaction ends (register does). Pending ORM changes of the session
    (a block added by sync) are flushed first, so they are seen."""

    def __init__(self, session: Session, institution_area: str, village: str) -> None:
        session.flush()
        self.conn = session.connection()
        self.prefix = institution_area[:9] + village
        self.own_village = village == institution_area[9:12] and village != "000"
        # [id, next, last, source, numbers taken in next..last (loaded when the block is reached)]
        self.blocks: list[list[Any]] | None = None
        self.ever = False
        self.used: dict[int, list[Any]] = {}
        # Numbers handed out by this object are not stored until the caller inserts them: a
        # block opened later over the same range (provisional blocks restart at the same serial)
        # must skip them as if they were.
        self.handed: set[str] = set()

    def next(self) -> tuple[str, bool]:
        if self.blocks is None:
            rows = self.conn.exec_driver_sql(
                "SELECT id, next, last, source FROM serial_block WHERE prefix = ? "
                "ORDER BY source = 'provisional', id", (self.prefix,)).all()  # fmt: skip
            self.ever = bool(rows)
            self.blocks = [[i, n, last, source, None] for i, n, last, source in rows if n <= last]
        for opened in (False, True):
            for b in self.blocks:
                while b[1] <= b[2]:
                    if b[4] is None:
                        b[4] = self._taken(b[1], b[2])
                    number = f"{self.prefix}{b[1]:05d}"
                    b[1] += 1
                    self.used[b[0]] = b
                    if number not in b[4] and number not in self.handed:
                        self.handed.add(number)
                        return number, b[3] == "provisional"
            if opened:
                break
            self._open_block()
        raise DataError(
            f"村（居）委会{self.prefix[9:]}的档案编号已用完：请先同步，由县平台分配新的编号段"
        )

    def _taken(self, first: int, last: int) -> set[str]:
        rows = self.conn.exec_driver_sql(
            "SELECT record_no FROM resident WHERE record_no >= ? AND record_no <= ?",
            (f"{self.prefix}{first:05d}", f"{self.prefix}{last:05d}"))  # fmt: skip
        return {r[0] for r in rows}

    def _open_block(self) -> None:
        assert self.blocks is not None
        if self.own_village and not self.ever:
            first, source = 1, "village-range"
        elif not any(b[3] == "provisional" for b in self.blocks if b[1] <= b[2]):
            first, source = PROVISIONAL_FIRST, "provisional"
        else:
            return
        new_id = self.conn.exec_driver_sql(
            "INSERT INTO serial_block (prefix, first, last, next, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (self.prefix, first, SERIAL_MAX, first, source, now_iso())
        ).lastrowid  # fmt: skip
        self.ever = True
        self.blocks.append([new_id, first, SERIAL_MAX, source, None])

    def save(self) -> None:
        if self.used:
            self.conn.exec_driver_sql("UPDATE serial_block SET next = ? WHERE id = ?",
                                      [(b[1], b[0]) for b in self.used.values()])  # fmt: skip
            self.used = {}


def add_block(session: Session, prefix: str, first: int, last: int, source: str = "server") -> None:
    session.add(
        SerialBlock(prefix=prefix, first=first, last=last, next=first, source=source,
                    created_at=now_iso())
    )  # fmt: skip
