"""Field-level three-way merge of a change's {old, new} values into the server's current state.

Rule per field (DESIGN.md, Sync): server value == old -> take new; == new -> already converged;
otherwise keep the server value and open a conflict carrying original (old), mine (new) and theirs
(server). Dicts merge key by key; lists whose items carry an "id" merge item by item, so two edits of
different items never collide and no edit lands on the wrong item.

Conflict paths name the exact spot: `doc.medications[<item id>].dose`. `get_path`/`set_path`
read and write such paths, so a resolution can be turned back into an ordinary top-level change.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]+)\])?")


@dataclass
class Conflict:
    path: str
    original: Any
    mine: Any
    theirs: Any


@dataclass
class MergeOutcome:
    state: dict[str, Any]
    applied: list[str] = field(default_factory=list)  # paths changed on the server
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def result(self) -> str:
        """'applied' (all taken), 'merged' (some taken, rest converged), 'conflict', 'duplicate'."""
        if self.conflicts:
            return "conflict"
        return "applied" if self.applied else "duplicate"


def is_id_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(i, dict) and isinstance(i.get("id"), str | int) for i in value
    )


def _id_lists(*values: Any) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(is_id_list(v) for v in present)


def _merge(server: Any, old: Any, new: Any, path: str, out: MergeOutcome) -> Any:
    if server == old:
        if new != old:
            out.applied.append(path)
        return copy.deepcopy(new)
    if server == new or old == new:
        return server
    if isinstance(server, dict) and isinstance(old, dict) and isinstance(new, dict):
        merged = dict(server)
        for key in list(dict.fromkeys([*old, *new])):
            o, n = old.get(key), new.get(key)
            if o == n:
                continue
            value = _merge(server.get(key), o, n, f"{path}.{key}", out)
            if value is None and key not in server:
                continue
            merged[key] = value
        return merged
    if _id_lists(server, old, new):
        return _merge_list(server or [], old or [], new or [], path, out)
    out.conflicts.append(
        Conflict(path, copy.deepcopy(old), copy.deepcopy(new), copy.deepcopy(server))
    )
    return server


def _merge_list(server: list, old: list, new: list, path: str, out: MergeOutcome) -> list:
    s_by = {i["id"]: i for i in server}
    o_by = {i["id"]: i for i in old}
    n_by = {i["id"]: i for i in new}
    result: dict[Any, Any] = dict(s_by)  # keeps the server's order; new items are appended
    for item_id in dict.fromkeys([*o_by, *n_by]):
        o, n = o_by.get(item_id), n_by.get(item_id)
        if o == n:
            continue
        value = _merge(s_by.get(item_id), o, n, f"{path}[{item_id}]", out)
        if value is None:
            result.pop(item_id, None)
        else:
            result[item_id] = value
    return list(result.values())


def merge_changes(state: dict[str, Any], changes: dict[str, dict[str, Any]]) -> MergeOutcome:
    """Merge {field: {old, new}} into a copy of `state` (fields may be dotted paths into dicts)."""
    out = MergeOutcome(copy.deepcopy(state))
    for key, fc in changes.items():
        old, new = fc.get("old"), fc.get("new")
        current = get_path(out.state, key)
        set_path(out.state, key, _merge(current, old, new, key, out))
    return out


def _parse(path: str) -> list[tuple[str, str | None]]:
    parts = []
    for segment in re.split(r"\.(?![^\[]*\])", path):
        m = _SEGMENT.fullmatch(segment)
        if not m:
            raise ValueError(f"bad path segment {segment!r}")
        parts.append((m.group(1), m.group(2)))
    return parts


def _item(items: Any, item_id: str) -> dict | None:
    if not isinstance(items, list):
        return None
    for i in items:
        if isinstance(i, dict) and str(i.get("id")) == item_id:
            return i
    return None


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at `path` (None if absent), e.g. get_path(doc, "meds[m1].dose")."""
    node: Any = data
    for key, item_id in _parse(path):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
        if item_id is not None:
            node = _item(node, item_id)
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` in place, creating dicts on the way; None at a list item removes the item."""
    parts = _parse(path)
    node: dict[str, Any] = data
    for n, (key, item_id) in enumerate(parts):
        last = n == len(parts) - 1
        if item_id is None:
            if last:
                if value is not None or key in node:
                    node[key] = value
                return
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
            continue
        if not isinstance(node.get(key), list):
            node[key] = []
        items: list = node[key]
        item = _item(items, item_id)
        if last:
            if value is None:
                items[:] = [i for i in items if str(i.get("id")) != item_id]
            elif item is None:
                items.append(value)
            else:
                items[items.index(item)] = value
            return
        if item is None:
            item = {"id": item_id}
            items.append(item)
        node = item
