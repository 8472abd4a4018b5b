"""Installation settings kept in the encrypted database (idle lock time, backup folder, ...)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app import roles
from app.db.models import Institution, Setting
from app.errors import InvalidInput
from app.services import audit

if TYPE_CHECKING:
    from app.store import Store

# sync_auto: sync by itself whenever the county server answers (off on a metered link: only
# 立即同步 then sends anything).
# print_typed_signatures: print the doctor's typed name in the signature cells (医生签字,
# 随访医生签名, 转诊医生（签字）…); off by default, the cells stay empty for the pen.
DEFAULTS: dict[str, Any] = {"idle_lock_minutes": 10, "backup_dir": "", "sync_auto": True,
                            "print_typed_signatures": False}  # fmt: skip


def get_all(store: Store) -> dict[str, Any]:
    with store.session() as s:
        out = dict(DEFAULTS)
        out.update({r.key: json.loads(r.value) for r in s.execute(select(Setting)).scalars()})
        return out


def put(store: Store, values: dict[str, Any]) -> None:
    """Change settings (admins only). Unknown keys are refused, naming the key."""
    roles.require(store, "settings")
    for key, value in values.items():
        if key not in DEFAULTS:
            raise InvalidInput.field(key, "设置项", "未知的设置项")
        if key == "idle_lock_minutes" and (not isinstance(value, int) or not 1 <= value <= 240):
            raise InvalidInput.field(key, "自动锁定时间", "须为1–240分钟")
        if key == "sync_auto" and not isinstance(value, bool):
            raise InvalidInput.field(key, "自动同步", "须为是或否")
        if key == "print_typed_signatures" and not isinstance(value, bool):
            raise InvalidInput.field(key, "签名栏打印医生姓名", "须为是或否")
    with store.session(write=True) as s:
        for key, value in values.items():
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=json.dumps(value, ensure_ascii=False)))
            else:
                row.value = json.dumps(value, ensure_ascii=False)
        audit.append(s, store.user.name, "update", "setting", None, {"keys": sorted(values)})


def rename_institution(store: Store, name: str) -> None:
    roles.require(store, "settings")
    if not (name or "").strip():
        raise InvalidInput.field("institution_name", "机构名称", "不能为空")
    with store.session(write=True) as s:
        inst = s.execute(select(Institution)).scalar_one()
        inst.name = name.strip()
        audit.append(s, store.user.name, "update", "setting", None, {"keys": ["institution_name"]})
    store.institution = type(store.institution)(store.institution.area, name.strip(),
                                                store.institution.installation_id)  # fmt: skip
