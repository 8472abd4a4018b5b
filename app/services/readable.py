"""The history of a resident and the audit log as rows of words a doctor reads: people by their
display names, residents by name and record number, codes by their labels, local times."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app import labels
from app.db.models import Household, Record, Resident, User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.store import Store

MAX_CHANGES = 6  # shown per version; the rest are counted
UUID_KEYS = ("household", "merged_into", "head", "survivor", "duplicate")


def display_names(store: Store) -> dict[str, str]:
    """Login name -> the name staff know each other by (the login name when none was given)."""
    with store.session() as s:
        return names_in(s)


def names_in(s: Session) -> dict[str, str]:
    """display_names in the caller's transaction."""
    return {u.name: u.display_name or u.name for u in s.execute(select(User)).scalars()}


def person(names: dict[str, str], login: str | None) -> str:
    login = login or ""
    return names.get(login) or labels.NON_USERS.get(login, login)


def history(store: Store, uuid: str) -> list[dict[str, str]]:
    """One row per saved version of the resident, newest last: time, who, what kind, what."""
    from app.services import residents

    versions = residents.history(store, uuid)
    with store.session() as s:
        return history_rows(s, versions, names_in(s))


def history_rows(s: Session, versions: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, str]]:
    """`history` of versions already read, in the caller's transaction."""
    ids = {str(c.get(k)) for v in versions for k, c in (v.get("changes") or {}).items()
           if k in UUID_KEYS and isinstance(c, dict) for k in ("old", "new") if c.get(k)}  # fmt: skip
    things = _names_of(s, ids)
    rows = []
    for v in versions:
        changes = v.get("changes") or {}
        order = _form_order()
        keys = sorted(changes, key=lambda k: order.get(k, len(order)))[:MAX_CHANGES]
        created = v.get("action") == "create"
        parts = [_change(k, changes[k], things, created) for k in keys]
        if len(changes) > MAX_CHANGES:
            parts.append(f"等共{len(changes)}项")
        rows.append({"at": labels.local_time(v.get("at")), "user": person(names, v.get("user")),
                     "action": labels.action(v.get("action")), "what": "；".join(parts)})  # fmt: skip
    return rows


@cache
def _form_order() -> dict[str, int]:
    """Changes listed in the order of the paper form (姓名, 性别, 出生日期 …), then the rest."""
    import forms

    return {f.key: i for i, f in enumerate(forms.get_form("personal_info").fields())}


def _change(key: str, change: Any, things: dict[str, str], created: bool) -> str:
    old, new = (change.get("old"), change.get("new")) if isinstance(change, dict) else (None, change)
    if key in UUID_KEYS:
        old, new = things.get(str(old), old), things.get(str(new), new)
    label = labels.field_label(key)
    if created:
        return f"{label}：{labels.value_text(key, new)}"
    return f"{label}：{labels.value_text(key, old)} → {labels.value_text(key, new)}"


def _names_of(s: Session, uuids: set[str]) -> dict[str, str]:
    """Residents as "name（record number）", households by their label."""
    if not uuids:
        return {}
    out = {r.uuid: f"{r.name}（{r.record_no}）" for r in
           s.execute(select(Resident).where(Resident.uuid.in_(uuids))).scalars()}  # fmt: skip
    out.update({h.uuid: h.label for h in
                s.execute(select(Household).where(Household.uuid.in_(uuids))).scalars()})  # fmt: skip
    return out


def audit_rows(store: Store, since: str | None = None, limit: int = 2000) -> list[dict[str, str]]:
    """The newest `limit` audit entries since a date, newest first, each as the five columns of
    the audit view: 时间, 用户, 操作, 对象, 说明."""
    from app.services import audit

    entries = audit.entries(store, since=since)[-limit:]
    names = display_names(store)
    ids = {e["entity_uuid"] for e in entries if e.get("entity_uuid")}
    ids |= {str(v) for e in entries for k, v in (e.get("detail") or {}).items() if k in UUID_KEYS and v}
    with store.session() as s:
        things = _names_of(s, ids)
        owners = {rec.uuid: rec.resident_uuid for rec in
                  s.execute(select(Record).where(Record.uuid.in_(ids))).scalars()}  # fmt: skip
        things.update(_names_of(s, set(owners.values()) - set(things)))
    rows = []
    for e in reversed(entries):
        rows.append({"at": labels.local_time(e.get("at")), "user": person(names, e.get("user")),
                     "action": labels.action(e.get("action")),
                     "subject": _subject(e, things, owners, names),
                     "detail": describe_detail(e.get("detail") or {}, things, names)})  # fmt: skip
    return rows


def _subject(e: dict[str, Any], things: dict[str, str], owners: dict[str, str],
             names: dict[str, str]) -> str:  # fmt: skip
    kind, uuid = e.get("entity") or "", e.get("entity_uuid") or ""
    word = labels.ENTITIES.get(kind, "")
    if kind == "record" and uuid in owners:
        return f"{things.get(owners[uuid], '')}的记录"
    if uuid in things:
        return things[uuid] if kind == "resident" else f"{word}：{things[uuid]}"
    if kind == "user" and (e.get("detail") or {}).get("name"):
        return f"用户：{person(names, e['detail']['name'])}"
    return word


def describe_detail(detail: dict[str, Any], things: dict[str, str] | None = None,
                    names: dict[str, str] | None = None) -> str:  # fmt: skip
    """Audit details in words: field keys as labels, codes as names, 是/否 for flags."""
    things, names = things or {}, names or {}
    parts = []
    for key, value in detail.items():
        if key in labels.HIDDEN_DETAILS or value is None:
            continue
        name = labels.DETAIL_KEYS.get(key) or labels.field_label(key)
        parts.append(f"{name}：{_detail_value(key, value, things, names)}")
    return "；".join(parts)


def _detail_value(key: str, value: Any, things: dict[str, str], names: dict[str, str]) -> str:
    if key == "fields" and isinstance(value, list):
        return "、".join(labels.field_label(k) for k in value)
    if key == "keys" and isinstance(value, list):
        return "、".join(labels.SETTINGS.get(k) or str(k) for k in value)
    if key == "field" and isinstance(value, str):
        return labels.field_label(value.removeprefix("doc."))
    if key == "form":
        return labels.form_title(str(value))
    if key == "what":
        text = str(value)
        if text.startswith("form:"):
            return labels.form_title(text.removeprefix("form:"))
        return labels.WHAT.get(text, text)
    if key == "stale" and isinstance(value, list):
        return "、".join(person(names, str(n)) for n in value)
    simple = {"role": labels.ROLES, "reason": labels.FAILURES, "take": labels.TAKE,
              "recovery": labels.RECOVERY_STATES}.get(key)  # fmt: skip
    if simple is not None:
        return simple.get(str(value), labels.shown(value))
    if key == "name":
        return person(names, str(value))
    if key in UUID_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return f"{value}人"  # a count (the resident screen's view: the household members shown)
    if key in UUID_KEYS:
        return things.get(str(value), "另一份档案")
    if key == "enrolled":
        return "是"  # (the device id is the county's business, not the doctor's)
    if key == "bytes" and isinstance(value, int):
        return f"{value / 1_048_576:.1f} MB" if value >= 1_048_576 else f"{max(1, value // 1024)} KB"
    if key == "backup_created_at":
        return labels.local_time(str(value))
    if key == "format":
        return str(value).upper()
    return labels.shown(value)
