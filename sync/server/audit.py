"""`cunyi county audit`: the county's answers from its own history and access log — who changed
this entity, from what to what; what a device did; who has read a village's residents."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync.server.models import AccessLog, Device, Entity, EntityVersion, Institution

READS = ("pull", "snapshot", "read", "conflicts")


def _who(session: Session) -> dict[str, tuple[str, str]]:
    """device id -> (device name, institution name)."""
    rows = session.execute(select(Device.id, Device.name, Institution.name).join(Institution))
    return {d: (n, i) for d, n, i in rows}


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, list[Any]]:
    before = before or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def entity_history(session: Session, uuid: str) -> dict[str, Any]:
    who = _who(session)
    versions = list(
        session.scalars(
            select(EntityVersion).where(EntityVersion.uuid == uuid).order_by(EntityVersion.id)
        )
    )
    out, prev = [], None
    for v in versions:
        name, inst = who.get(v.device_id or "", ("", ""))
        out.append({
            "rev": v.rev, "at": v.at.isoformat(timespec="seconds"), "area": v.area,
            "device_id": v.device_id, "device": name, "institution": inst, "user": v.user,
            "made_at": v.made_at, "mutation_id": v.mutation_id, "changes": _changed(prev, v.data),
        })  # fmt: skip
        prev = v.data
    reads = session.scalars(
        select(AccessLog).where(AccessLog.subject == uuid).order_by(AccessLog.id)
    )
    e = session.get(Entity, uuid)
    return {
        "uuid": uuid,
        "kind": e.kind if e else None,
        "area": e.area if e else None,
        "versions": out,
        "reads": [_entry(a, who) for a in reads],
    }


def _entry(a: AccessLog, who: dict[str, tuple[str, str]]) -> dict[str, Any]:
    name, inst = who.get(a.device_id or "", ("", ""))
    return {"at": a.at.isoformat(timespec="seconds"), "action": a.action, "ok": a.ok,
            "device_id": a.device_id, "device": name, "institution": inst, "area": a.area,
            "subject": a.subject, "count": a.count, "detail": a.detail, "client": a.client}  # fmt: skip


def device_activity(session: Session, device_id: str, limit: int = 500) -> dict[str, Any]:
    who = _who(session)
    d = session.get(Device, device_id)
    inst = session.get(Institution, d.institution_id) if d else None
    accesses = session.scalars(
        select(AccessLog)
        .where(AccessLog.device_id == device_id)
        .order_by(AccessLog.id.desc())
        .limit(limit)
    )
    changes = session.scalars(
        select(EntityVersion).where(EntityVersion.device_id == device_id)
        .order_by(EntityVersion.id.desc()).limit(limit)
    )  # fmt: skip
    return {
        "device_id": device_id,
        "device": d.name if d else None,
        "institution": inst.name if inst else None,
        "area": inst.area if inst else None,
        "revoked": bool(d and d.revoked_at),
        "audit_flag": d.audit_flag if d else None,
        "access": [_entry(a, who) for a in reversed(list(accesses))],
        "changes": [
            {
                "at": v.at.isoformat(timespec="seconds"),
                "kind": v.kind,
                "uuid": v.uuid,
                "rev": v.rev,
                "user": v.user,
                "mutation_id": v.mutation_id,
            }
            for v in reversed(list(changes))
        ],  # fmt: skip
    }


def area_readers(session: Session, area: str, limit: int = 500) -> dict[str, Any]:
    """Who was sent the residents of `area` (12 digits): the area's own devices, its township's
    hospital, and the county's, by their pulls, snapshots and reads."""
    covering = {area, area[:9] + "000", area[:6] + "000000"}
    who = _who(session)
    rows = session.scalars(
        select(AccessLog)
        .where(AccessLog.action.in_(READS), or_(*[AccessLog.area == a for a in covering]))
        .order_by(AccessLog.id.desc()).limit(limit)
    )  # fmt: skip
    return {"area": area, "access": [_entry(a, who) for a in reversed(list(rows))]}


def _value(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _line(a: dict[str, Any]) -> str:
    who = f"{a['institution'] or '（未注册）'} {a['device'] or ''} {(a['device_id'] or '')[:8]}"
    what = f"{a['action']}{'' if a['ok'] else '（被拒绝）'}"
    extra = " ".join(str(x) for x in (a["subject"], a["count"], a["detail"]) if x is not None)
    return f"{a['at']}  {what:10} {who.strip()}  {extra}  {a['client'] or ''}".rstrip()


def render_entity(h: dict[str, Any]) -> str:
    lines = [f"{h['kind'] or '对象'} {h['uuid']}  现属区划 {h['area'] or '（不存在）'}"]
    for v in h["versions"]:
        src = (
            f"{v['institution']} 设备 {v['device']}（{(v['device_id'] or '')[:8]}）"
            if v["device_id"]
            else "服务器（随其他变更）"
        )
        user = f" 用户 {v['user']}" if v["user"] else ""
        made = f" 本机时间 {v['made_at']}" if v["made_at"] else ""
        lines.append(f"第 {v['rev']} 版  {v['at']}  {src}{user}{made}")
        for k, (old, new) in v["changes"].items():
            lines.append(f"    {k}: {_value(old)} → {_value(new)}")
    if h["reads"]:
        lines.append("读取：")
        lines += ["  " + _line(a) for a in h["reads"]]
    return "\n".join(lines)


def render_device(d: dict[str, Any]) -> str:
    lines = [f"设备 {d['device_id']}  {d['institution']} {d['area']}  {d['device']}"
             + ("  已吊销" if d["revoked"] else "")
             + (f"  审计日志异常：{d['audit_flag']}" if d["audit_flag"] else "")]  # fmt: skip
    lines.append("访问：")
    lines += ["  " + _line(a) for a in d["access"]]
    lines.append("上传的修改：")
    lines += [f"  {c['at']}  {c['kind']} {c['uuid']} 第 {c['rev']} 版" + (f" 用户 {c['user']}" if c["user"] else "")
              for c in d["changes"]]  # fmt: skip
    return "\n".join(lines)


def render_area(r: dict[str, Any]) -> str:
    return "\n".join(
        [f"区划 {r['area']} 的居民被下载或读取："] + ["  " + _line(a) for a in r["access"]]
    )
