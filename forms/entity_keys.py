"""Which keys of a resident's (and a record's) synced state are the entity's own and which belong
to its form document: declared once here, so the local column lists, the county server's
validation and the labels a doctor reads all follow the same list. Lives in forms/ because the
county server may import forms and sync.protocol only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# doc: only in the personal_info document; mirrored: in the document and copied to a column
# (searched, indexed); resident: the resident's own column, never in the document; transport:
# sent on the wire with a resident but stored in neither (the server decides it).
Place = Literal["mirrored", "resident", "transport"]


@dataclass(frozen=True)
class ResidentKey:
    key: str
    label: str  # Chinese, as messages and the conflict list name it
    place: Place
    column: str | None  # the resident table's column, None for transport keys
    typed: bool = False  # a user types it with the document (register, update, import)
    short: str | None = None  # where space is short (the conflict list), if not `label`


RESIDENT_KEYS: tuple[ResidentKey, ...] = (
    ResidentKey("name", "姓名", "mirrored", "name", True),
    ResidentKey("sex", "性别", "mirrored", "sex", True),
    ResidentKey("birth_date", "出生日期", "mirrored", "birth_date", True),
    ResidentKey("id_number", "身份证号", "mirrored", "id_number", True),
    ResidentKey("phone", "本人电话", "mirrored", "phone", True),
    ResidentKey("address", "现住址", "mirrored", "address", True),
    ResidentKey("village", "村（居）委会代码", "resident", "village", True, "村"),
    ResidentKey("household", "家庭", "resident", "household_uuid", True),
    # The child's mother (a resident's uuid): registered from her record, kept both ways (issue 15).
    ResidentKey("mother", "母亲", "resident", "mother_uuid", True),
    ResidentKey("status", "档案状态", "resident", "status"),
    ResidentKey("status_date", "状态日期", "resident", "status_date"),
    ResidentKey("status_reason", "状态原因", "resident", "status_reason"),
    ResidentKey("merged_into", "合并到", "resident", "merged_into"),
    ResidentKey("record_no", "档案编号", "resident", "record_no"),
    ResidentKey("provisional", "临时编号", "transport", None),
    ResidentKey("area", "所属辖区", "transport", None),
    # The names the resident had before (a newborn first entered as 王芳之女): the county server
    # keeps the list and sends it with the resident (beside its data: sync/server/feed.py), so a
    # device that never saw the older versions still finds it by them. Never taken from a
    # client (sync/server/push).
    ResidentKey("former_names", "曾用名", "transport", None),
)
_BY_PLACE = {p: tuple(k.key for k in RESIDENT_KEYS if k.place == p) for p in ("mirrored", "resident", "transport")}

# The resident's own keys of its stored state (everything else of the state is its document).
RESIDENT_STATE: tuple[str, ...] = _BY_PLACE["resident"]
# Document keys copied to columns.
MIRRORED: tuple[str, ...] = _BY_PLACE["mirrored"]
# What a user types beside the document (register, update, import): resident-level, not document.
TYPED_RESIDENT: tuple[str, ...] = tuple(k.key for k in RESIDENT_KEYS if k.typed and k.place == "resident")
# Not document on the wire: the resident's own keys and what travels with them.
NOT_DOCUMENT: frozenset[str] = frozenset(RESIDENT_STATE + _BY_PLACE["transport"])
# Transport keys only the server sends: what a client sends for them is dropped on the server.
SERVER_DECIDED: frozenset[str] = frozenset({"former_names"})
LABELS: dict[str, str] = {k.key: k.label for k in RESIDENT_KEYS}
SHORT_LABELS: dict[str, str] = {k.key: k.short or k.label for k in RESIDENT_KEYS}

# A record's own keys of its synced state; the rest is its form document. `status` travels on the
# wire (final or draft) but is not part of the stored state compared between versions.
RECORD_STATE: tuple[str, ...] = ("resident", "form", "edition")
RECORD_NOT_DOCUMENT: frozenset[str] = frozenset((*RECORD_STATE, "status"))
# A household's whole synced state.
HOUSEHOLD_STATE: tuple[str, ...] = ("label", "village", "head")
HOUSEHOLD_LABELS: dict[str, str] = {"label": "户名", "village": "村（居）委会代码", "head": "户主"}
HOUSEHOLD_SHORT_LABELS: dict[str, str] = {**HOUSEHOLD_LABELS, "village": "村"}


def split_resident(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, resident-level keys) of a resident's state; transport keys are dropped."""
    doc: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for k, v in state.items():
        if k in NOT_DOCUMENT:
            if k in RESIDENT_STATE:
                own[k] = v
        else:
            doc[k] = v
    return doc, own


# --- an activity of the clinic (健康教育活动记录表, issue 16): its synced state is the form
# document plus these keys (the client's activity row columns; the server keeps the whole state).
ACTIVITY_STATE: tuple[str, ...] = ("form", "edition", "status", "void_reason")
ACTIVITY_LABELS: dict[str, str] = {"form": "表单代码", "edition": "版本", "status": "状态", "void_reason": "作废原因"}
ACTIVITY_STATUSES: tuple[str, ...] = ("final", "voided")
