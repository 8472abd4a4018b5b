"""Where a conflicting value came from: the institution and device, so each installation can
label the two values from its own point of view ("本机" / "乙村卫生室") instead of the server's
mine/theirs (issue 17 point 4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.merge import get_path
from sync.server.models import Device, EntityVersion, Institution


def of_device(session: Session, device_id: str | None) -> dict[str, Any] | None:
    d = session.get(Device, device_id) if device_id else None
    if d is None:
        return None
    inst = session.get(Institution, d.institution_id)
    if inst is None:  # a device always belongs to an institution (foreign key)
        return None
    return {"device": d.id, "device_name": d.name, "institution": inst.name, "area": inst.area}


def of_value(session: Session, uuid: str, path: str, value: Any) -> dict[str, Any] | None:
    """The source of the version that gave `uuid` the `value` it now has at `path` (None when
    the server does not know: a version from before its history, or its own follow-up)."""
    setter = None
    for v in session.scalars(
        select(EntityVersion).where(EntityVersion.uuid == uuid).order_by(EntityVersion.id.desc())
    ):
        if get_path(v.data, path) != value:
            break
        setter = v
    return of_device(session, setter.device_id) if setter is not None else None
