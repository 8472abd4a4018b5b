"""What the sync panel shows, as typed rows: the status, conflicts in words a doctor reads
(Chinese field labels and option names from the forms definitions), refused (quarantined)
changes with their reasons. The desktop client shows these; no Qt and no SQL outside here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

import forms
from app.db.models import Activity, Household, Outbox, Record, Resident
from app.labels import without_keys
from sync import local
from sync.client import SyncClient, status
from sync.resolve import listing

if TYPE_CHECKING:
    from app.store import Store

from forms.entity_keys import HOUSEHOLD_SHORT_LABELS, SHORT_LABELS

# Keys that are not form fields: a resident's own (forms/entity_keys.py) and a household's
RESIDENT_ONLY_LABELS = {**HOUSEHOLD_SHORT_LABELS, **SHORT_LABELS}
REASON_KINDS = {"invalid": "数据不合格", "forbidden": "超出本机构辖区", "not_found": "县平台上缺少相关档案",
                "internal": "县平台内部错误", "exhausted": "本村档案编号已用完"}  # fmt: skip
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]+)\])?")
EMPTY = "（空）"
OPS = {"create": "新建", "update": "修改", "status": "更改状态", "merge": "合并", "unmerge": "撤销合并"}


@dataclass(frozen=True)
class ConflictRow:
    """One open conflict (sync.resolve.listing) with what the panel shows of it."""

    id: int
    resident: str | None  # whose view to refresh once resolved
    name: str | None
    record_no: str | None
    entity: str
    entity_uuid: str
    field: str
    original: Any
    mine: Any
    theirs: Any
    label: str
    # Code options to choose another value from; [] free text; None: only one of the two values.
    options: list[tuple[str, str]] | None
    original_text: str
    mine_text: str
    theirs_text: str
    # Whose each value is, from this installation's view ("本机", "乙村卫生室", "县平台").
    mine_label: str = "本机"
    theirs_label: str = "县平台"


@dataclass(frozen=True)
class QuarantineRow:
    """A change the county refused, waiting for the doctor."""

    seq: int
    when: str
    name: str
    resident: str | None
    what: str
    code: str | None  # the county's code: invalid, forbidden, not_found, internal
    reason: str  # in words: the kind of refusal, then the county's reason
    attempts: int


def load_status(store: Store) -> dict[str, Any]:
    out = status(store)
    with store.session() as s:
        out["ca_cert"] = local.get_state(s, "ca_cert")
        out["institution_remote"] = local.get_state(s, "institution")
    return out


# -- conflicts ---------------------------------------------------------------------------------


def field_of(form: Any, path: str) -> tuple[str, Any]:
    """(Chinese label, the forms Field or None) for a conflict path like
    `past_diseases[<id>].diagnosed`."""
    parts = _SEGMENT.findall(path.removeprefix("doc."))
    if not parts:
        return path, None
    top, item = parts[0]
    if form is None or not form.has_field(top):
        return RESIDENT_ONLY_LABELS.get(top, top), None
    field = form.field(top)
    label = field.label
    if item and len(parts) > 1 and field.item_fields:
        try:
            sub = field.item_field(parts[1][0])
        except KeyError:
            return f"{label}·{parts[1][0]}", None
        return f"{label}·{sub.label}", (form, sub)
    if item:
        return f"{label}（其中一项）", (form, field, "item")
    return label, (form, field)


def show_value(value: Any, where: Any) -> str:
    """A stored value as the doctor knows it: option names for codes, units for numbers."""
    if value is None or value == "" or value == []:
        return EMPTY
    if where is None:
        return _plain(value)
    form, field = where[0], where[1]
    if len(where) == 3 and isinstance(value, dict):  # one item of a list
        return _item(form, field, value)
    if field.type == "code" and isinstance(value, str):
        return _code(form, field, value)
    if field.type == "multicode" and isinstance(value, list):
        return "、".join(_code(form, field, str(c)) for c in value)
    if field.type == "list" and isinstance(value, list):
        return "；".join(_item(form, field, v) for v in value if isinstance(v, dict)) or EMPTY
    if field.type == "bool":
        return "是" if value else "否"
    if field.unit and isinstance(value, int | float):
        return f"{value} {field.unit}"
    return _plain(value)


def _code(form: Any, field: Any, code: str) -> str:
    try:
        return form.table(field).label(code) or code
    except KeyError:
        return code


def _item(form: Any, field: Any, item: dict[str, Any]) -> str:
    parts = []
    for sub in field.item_fields:
        if item.get(sub.key) not in (None, "", []):
            parts.append(show_value(item[sub.key], (form, sub)))
    return " ".join(parts) or EMPTY


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items() if k != "id")
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)


def options_of(where: Any) -> list[tuple[str, str]] | None:
    """The choices for typing another value: code options, [] for free text, None when only
    one of the two values can be taken here (lists, multiple choice)."""
    if where is None:
        return []
    if len(where) == 3:
        return None
    form, field = where[0], where[1]
    if field.type == "code":
        try:
            return [(c.code, c.label) for c in form.table(field).codes]
        except KeyError:
            return []
    if field.type in ("multicode", "list"):
        return None
    return []


def conflict_rows(store: Store) -> list[ConflictRow]:
    conflicts = listing(store)
    rows = []
    with store.session() as s:
        for c in conflicts:
            code = "personal_info" if c["entity"] == "resident" else None
            if c["entity"] == "record":
                rec = s.get(Record, c["entity_uuid"])
                code = rec.form if rec else None
            elif c["entity"] == "activity":
                act = s.get(Activity, c["entity_uuid"])
                code = act.form if act else None
            try:
                form = forms.get_form(code) if code else None
            except forms.UnknownForm:
                form = None
            label, where = field_of(form, c["field"])
            if c["entity"] in ("record", "activity") and form is not None:
                label = f"{form.title}·{label}"
            texts = {f"{k}_text": show_value(c[k], where) for k in ("original", "mine", "theirs")}
            options = options_of(where)
            if c["entity"] == "household" and c["field"] == "head":
                # One of the two residents, by name, not free text.
                texts, options = _head_names(s, c), None
            rows.append(ConflictRow(
                id=c["id"], resident=c["resident"], name=c["name"], record_no=c["record_no"],
                entity=c["entity"], entity_uuid=c["entity_uuid"], field=c["field"],
                original=c["original"], mine=c["mine"], theirs=c["theirs"], label=label,
                options=options, mine_label=c.get("mine_label") or "本机",
                theirs_label=c.get("theirs_label") or "县平台", **texts))  # fmt: skip
    return rows


def _head_names(s: Any, c: dict[str, Any]) -> dict[str, str]:
    """A household head conflict in names, not resident uuids."""
    out = {}
    for k in ("original", "mine", "theirs"):
        r = s.get(Resident, c[k]) if isinstance(c[k], str) else None
        out[f"{k}_text"] = r.name if r else show_value(c[k], None)
    return out


# -- quarantine --------------------------------------------------------------------------------


def reason_text(code: str | None, reason: str | None) -> str:
    """("forbidden", "该居民…") -> "超出本机构辖区：该居民…"."""
    kind = REASON_KINDS.get(code or "")
    # The county names fields with their keys too (for scripts); the doctor reads labels.
    rest = without_keys((reason or "").strip())
    if kind and rest:
        return f"{kind}：{rest}"
    return kind or rest or "未说明原因"


def quarantine_rows(store: Store) -> list[QuarantineRow]:
    out = []
    with store.session() as s:
        for row in s.scalars(
            select(Outbox).where(Outbox.state == "quarantined").order_by(Outbox.device_seq)
        ):
            resident_uuid: str | None = row.entity_uuid
            kind = "档案"
            if row.entity == "record":
                rec = s.get(Record, row.entity_uuid)
                resident_uuid, kind = (rec.resident_uuid if rec else None), "记录"
            r = s.get(Resident, resident_uuid) if resident_uuid else None
            name = r.name if r else "（未知居民）"
            if row.entity == "household":
                h = s.get(Household, row.entity_uuid)
                resident_uuid, kind, name = None, "家庭", h.label if h else "（未知家庭）"
            if row.entity == "activity":
                a = s.get(Activity, row.entity_uuid)
                resident_uuid, kind, name = None, "健康教育活动", f"本机构 {a.visit_date}" if a else "（未知活动）"
            out.append(QuarantineRow(
                seq=row.device_seq, when=(row.created_at or "")[:16].replace("T", " "),
                name=name, resident=resident_uuid, what=f"{OPS.get(row.op, '修改')}{kind}",
                code=row.error_code, reason=reason_text(row.error_code, row.last_error),
                attempts=row.attempts))  # fmt: skip
    return out


def requeue_all(store: Store) -> int:
    return SyncClient(store).requeue()
