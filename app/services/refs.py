"""Finding the resident or record a user means: uuid, 17-digit or last-8 record number, ID number."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Record, Redirect, Resident, SyncEntity
from app.errors import InvalidInput, NotFound, UsageError
from forms.model import FieldError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def resident(session: Session, ref: str, *, follow: bool = True) -> Resident:
    """The resident `ref` names; a merged-away resident leads to its survivor when `follow`."""
    ref = (ref or "").strip()
    row: Resident | None = None
    if _UUID.match(ref):
        row = session.get(Resident, ref.lower())
    elif re.fullmatch(r"\d{17}", ref):
        row = session.execute(select(Resident).where(Resident.record_no == ref)).scalar_one_or_none()
    elif re.fullmatch(r"\d{3}-?\d{5}", ref):
        tail = ref.replace("-", "")
        rows = session.execute(
            select(Resident).where(Resident.record_no.like(f"%{tail}"))
        ).scalars().all()
        if len(rows) > 1:
            raise UsageError(f"编号后8位“{ref}”对应多位居民，请使用完整的17位档案编号")
        row = rows[0] if rows else None
    elif re.fullmatch(r"\d{17}[\dXx]|\d{15}", ref):
        from forms.idnumber import convert_15_to_18

        number = convert_15_to_18(ref) if len(ref) == 15 else ref.upper()
        row = session.execute(select(Resident).where(Resident.id_number == number)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"找不到居民：{ref}")
    seen = set()
    while follow and row.merged_into and row.uuid not in seen:
        seen.add(row.uuid)
        redirect = session.get(Redirect, row.uuid)
        target = session.get(Resident, redirect.new_uuid if redirect else row.merged_into)
        if target is None:
            break
        row = target
    return row


def record(session: Session, ref: str) -> Record:
    row = session.get(Record, (ref or "").strip().lower())
    if row is None:
        raise NotFound(f"找不到记录：{ref}")
    return row


def ensure_writable(session: Session, resident_uuid: str) -> None:
    """Refuse changes to a resident who moved out of this clinic's jurisdiction: the clinic keeps
    what it recorded, read-only (sync marks such residents as stubs)."""
    row = session.get(SyncEntity, resident_uuid)
    if row is not None and row.stub:
        raise InvalidInput(FieldError("resident", "居民", "该居民已迁出本机构辖区，档案只读；请由现辖区机构修改"))
