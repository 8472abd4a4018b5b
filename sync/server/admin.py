"""County administration: set-up, institutions, enrollment codes, devices and their tokens."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.server.models import Device, EnrollCode, Institution, Meta, utcnow
from sync.server.tokens import digest, new_token

ENROLL_TTL = dt.timedelta(hours=72)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class AdminError(ValueError):
    """A refused admin or enrollment action; str() is a Chinese message."""


def county(session: Session) -> tuple[str, str] | None:
    rows = dict(session.execute(select(Meta.key, Meta.value)).all())
    if "county_area" not in rows:
        return None
    return rows["county_area"], rows["county_name"]


def init_county(session: Session, area6: str, name: str) -> Institution:
    if not re.fullmatch(r"\d{6}", area6 or ""):
        raise AdminError(f"县级区划代码（area）必须是 6 位数字：{area6!r}")
    if not name or not name.strip():
        raise AdminError("县名称（name）不能为空")
    existing = county(session)
    if existing and existing[0] != area6:
        raise AdminError(f"数据库已属于县 {existing[0]}，不能改为 {area6}")
    if not existing:
        session.add_all([Meta(key="county_area", value=area6), Meta(key="county_name", value=name)])
    inst = session.scalar(select(Institution).where(Institution.area == area6 + "000000"))
    if inst is None:
        inst = Institution(area=area6 + "000000", name=name.strip(), level="county")
        session.add(inst)
    session.flush()
    return inst


def add_institution(session: Session, area12: str, name: str, level: str) -> Institution:
    c = county(session)
    if c is None:
        raise AdminError("尚未初始化：请先运行 cunyi county init")
    if not re.fullmatch(r"\d{12}", area12 or ""):
        raise AdminError(f"机构区划代码（area）必须是 12 位数字：{area12!r}")
    if not area12.startswith(c[0]):
        raise AdminError(f"区划代码 {area12} 不属于本县 {c[0]}")
    if level not in ("village", "township"):
        raise AdminError(f"机构级别（level）必须是 village 或 township：{level!r}")
    if area12[6:9] == "000":
        raise AdminError(f"区划代码 {area12} 的乡镇段不能是 000")
    if level == "township" and area12[9:] != "000":
        raise AdminError(f"乡镇卫生院的区划代码村段必须是 000：{area12}")
    if level == "village" and area12[9:] == "000":
        raise AdminError(f"村卫生室的区划代码村段不能是 000：{area12}")
    if not name or not name.strip():
        raise AdminError("机构名称（name）不能为空")
    inst = Institution(area=area12, name=name.strip(), level=level)
    session.add(inst)
    try:
        session.flush()
    except IntegrityError as e:
        raise AdminError(f"区划代码 {area12} 的机构已存在") from e
    return inst


def institution(session: Session, area12: str) -> Institution:
    inst = session.scalar(select(Institution).where(Institution.area == area12))
    if inst is None:
        raise AdminError(f"没有区划代码为 {area12} 的机构：请先运行 cunyi county institution add")
    return inst


def new_enroll_code(
    session: Session, area12: str, ttl: dt.timedelta = ENROLL_TTL
) -> tuple[str, dt.datetime]:
    inst = institution(session, area12)
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    expires = utcnow() + ttl
    session.add(
        EnrollCode(
            code_hash=digest(normalise_code(code)), institution_id=inst.id, expires_at=expires
        )
    )
    session.flush()
    return code, expires


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def enroll(
    session: Session, code: str, device_name: str, area: str
) -> tuple[Device, str, Institution]:
    """Spend a one-time code: a new device with a fresh token (returned once, stored hashed).

    The server decides whether the code fits: `area` is the installation's own area, and a code
    of any other institution is refused before it is spent, with a message that names neither
    that institution nor its area (a code read out wrongly must not tell who it belongs to)."""
    row = session.scalar(
        select(EnrollCode)
        .where(EnrollCode.code_hash == digest(normalise_code(code)))
        .with_for_update()
    )
    if row is None:
        raise AdminError("注册码无效")
    inst = session.get(Institution, row.institution_id)
    if inst is None or area != inst.area:
        raise AdminError("注册码与本机的机构不符：请核对注册码，或在注册码所属机构的电脑上使用")
    if row.used_at is not None:
        raise AdminError("注册码已被使用")
    if row.expires_at < utcnow():
        raise AdminError("注册码已过期：请向县卫健局重新申请")
    device = Device(
        id=str(uuid.uuid4()),
        institution_id=row.institution_id,
        name=(device_name or "device")[:100],
    )
    token = new_token(device)
    session.add(device)
    row.used_at = utcnow()
    row.device_id = device.id
    session.flush()
    return device, token, inst


def list_devices(session: Session) -> list[dict]:
    rows = session.execute(
        select(Device, Institution).join(Institution).order_by(Device.created_at)
    ).all()
    return [
        {
            "id": d.id,
            "name": d.name,
            "area": i.area,
            "institution": i.name,
            "created_at": d.created_at.isoformat(timespec="seconds"),
            "last_seen_at": d.last_seen_at.isoformat(timespec="seconds")
            if d.last_seen_at
            else None,
            "revoked": d.revoked_at is not None,
            "audit_flag": d.audit_flag,
        }
        for d, i in rows
    ]


def revoke_device(session: Session, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None:
        raise AdminError(f"DEVICE_ID：没有编号为“{device_id}”的设备")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
