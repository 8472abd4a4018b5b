"""Staff accounts: each user's password wraps the data key in its own slot of the key file."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app import labels, roles
from app.clock import now_iso
from app.crypto.keyfile import RECOVERY, NoSuchSlot, SlotStale, WrongSecret, normalise_recovery_code
from app.db.models import User
from app.errors import AuthError, DataError, InvalidInput, NotFound
from app.services import audit

if TYPE_CHECKING:
    from app.store import Store

ROLES = labels.ROLES  # (read here by the UI and app.store)


def _check_new(password: str, user: str | None = None) -> None:
    """A new password, named as the field the user typed it in."""
    from app.store import check_password

    check_password(password, "new_password", user)


def list_users(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.execute(select(User).order_by(User.created_at)).scalars()
        return [{"name": u.name, "display_name": u.display_name, "role": u.role, "state": u.state}
                for u in rows]  # fmt: skip


def add(store: Store, name: str, role: str, password: str, display_name: str | None = None) -> None:
    from app.store import check_password, check_user_name

    roles.require(store, "manage_users")
    check_user_name(name)
    if role not in ROLES:
        raise InvalidInput.field("role", "角色", "可选：admin（管理员）doctor（医生）nurse（护士）")
    check_password(password, user=name)
    with store.session(write=True) as s:
        if s.execute(select(User).where(User.name == name)).first() is not None:
            raise InvalidInput.field("user", "用户名", f"用户“{name}”已存在")
        # Key slot first: a crash after it leaves a slot without a user, which cannot log in.
        store.keyfile.set_slot(name, password, store.data_key)
        store.keyfile.save()
        s.add(User(uuid=str(uuidlib.uuid4()), name=name, display_name=display_name or name,
                   role=role, state="active", created_at=now_iso()))  # fmt: skip
        audit.append(s, store.user.name, "user_add", "user", None, {"name": name, "role": role})


def disable(store: Store, name: str, *, started: Callable[[], None] | None = None) -> dict[str, Any]:
    """Disable `name` and replace the data key (app/services/rotation.py: it takes a while on a
    big database), so a copy of the old key file and the old password no longer open the data.
    Returns what the key change did (users who need a new password, a new recovery code).
    `started` is called once the request is accepted, as the long part begins."""
    from app.services import rotation

    roles.require(store, "manage_users")
    with store.session(write=True) as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise NotFound(f"找不到用户：{name}")
        if user.state == "disabled":
            return {"resealed": 0, "stale": [], "recovery_code": None}
        admins = s.execute(select(User).where(User.role == "admin", User.state == "active")).scalars().all()
        if user.role == "admin" and len(admins) <= 1:
            raise InvalidInput.field("user", "用户名", "不能停用最后一位管理员")
        user.state = "disabled"
        audit.append(s, store.user.name, "user_disable", "user", None, {"name": name})
        s.flush()
        store.keyfile.disable_slot(name)
        # Noted before anything else changes: if this process is stopped, the next login does it.
        rotation.owe(store.keyfile, "user_disable", name, now_iso())
        store.keyfile.save()
    if started is not None:
        started()
    try:
        return rotation.rotate(store)
    except DataError as e:
        raise DataError(f"已停用用户 {name}（其密码已不能登录），但{e}") from None


def reset_password(store: Store, name: str, new: str, compromised: bool = False, *,
                   started: Callable[[], None] | None = None) -> dict[str, Any] | None:  # fmt: skip
    """An administrator sets a new password for a user who forgot theirs (the old one stops
    working at once: its slot is replaced). `compromised`: someone else may know the old
    password and hold a copy of the key file, so the data key is replaced as well (returns what
    the key change did, as `disable`)."""
    from app.services import rotation

    roles.require(store, "manage_users")
    _check_new(new, name)
    with store.session(write=True) as s:
        user = s.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise NotFound(f"找不到用户：{name}")
        if user.state != "active" or store.keyfile.is_disabled(name):
            raise InvalidInput.field("user", "用户", f"用户“{user.display_name}”已停用，不能重设密码")
        store.keyfile.set_slot(name, new, store.data_key)
        if compromised:
            rotation.owe(store.keyfile, "password_compromised", name, now_iso())
        store.keyfile.save()
        audit.append(s, store.user.name, "password_reset", "user", None,
                     {"name": name, "compromised": True} if compromised else {"name": name})  # fmt: skip
    if not compromised:
        return None
    if started is not None:
        started()
    return rotation.rotate(store)


def change_password(store: Store, old: str, new: str) -> None:
    _check_new(new, store.user.name)
    try:
        store.keyfile.unwrap(store.user.name, old)
    except (WrongSecret, NoSuchSlot):
        raise AuthError("原密码错误") from None
    store.keyfile.set_slot(store.user.name, new, store.data_key)
    store.keyfile.save()
    audit.log(store, "password_change", "user", None, {"name": store.user.name})


def recover(data_dir: Path, code: str, user: str, new_password: str) -> Store:
    """Set a new password for `user` with the recovery code printed at set-up. Attempts back off
    like logins (one counter for the recovery code, whoever types it) and are audited."""
    from app.authstate import AuthState
    from app.services import rotation
    from app.store import Store, check_user_name, load_keyfile

    check_user_name(user)
    _check_new(new_password, user)
    keyfile = load_keyfile(Path(data_dir))
    state = AuthState(Path(data_dir))
    wait = state.wait_seconds(RECOVERY)
    if wait:
        wait = state.record_failure(RECOVERY, "throttled", now_iso())
        raise AuthError(f"恢复代码试错次数过多，请在{wait}秒后再试")
    try:
        data_key = keyfile.unwrap(RECOVERY, normalise_recovery_code(code))
    except (WrongSecret, NoSuchSlot, SlotStale):
        state.record_failure(RECOVERY, "wrong_recovery_code", now_iso())
        raise AuthError("恢复代码不正确") from None
    keyfile, data_key = rotation.settle(Path(data_dir), keyfile, RECOVERY,
                                        normalise_recovery_code(code), data_key)  # fmt: skip
    store = Store.open_with_key(Path(data_dir), keyfile, data_key, user)
    state.clear(RECOVERY)
    keyfile.set_slot(user, new_password, data_key)
    if not keyfile.has_pair(RECOVERY):  # made before key pairs: give it one, the code is here
        keyfile.set_slot(RECOVERY, normalise_recovery_code(code), data_key)
    keyfile.save()
    store.audit_pending_failures(state, "recover")
    audit.log(store, "recover", "user", None, {"name": user})
    store.finish_owed_rotation()
    return store


def new_recovery(store: Store) -> str:
    """A new recovery code (the old one stops working), shown once: for a code lost, or one that
    a key change could not carry over."""
    from app.crypto.keyfile import new_recovery_code

    roles.require(store, "manage_users")
    code = new_recovery_code()
    store.keyfile.set_slot(RECOVERY, code, store.data_key)
    store.keyfile.save()
    audit.log(store, "recovery_code", "user", None, {"name": RECOVERY})
    return code
