"""Whose each value of a conflict is, from this installation's point of view.

The county names a conflict's values by its own roles: `mine` is the pushing device's, `theirs`
the value the server kept. On another installation those words mislead (clinic A saw the
township's value as "mine"). The server sends where each value came from (institution, device);
this module labels them "本机", "本机构另一台电脑", the other institution's name, or "县平台"
when the server does not know, and turns the pair so that `mine` is this device's value whenever
one of them is."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from sync import local

HERE, SERVER = "本机", "县平台"


def label(source: dict[str, Any] | None, device_id: str | None, area: str | None) -> str:
    if not isinstance(source, dict):
        return SERVER
    if device_id and source.get("device") == device_id:
        return HERE
    name = str(source.get("institution") or SERVER)
    if area and source.get("area") == area:
        return f"{name}（另一台电脑）"
    return name


def oriented(s: Session, c: Any) -> dict[str, Any]:
    """The conflict row `c`'s two values with their labels (sync/local.py keeps the sources of a
    pulled conflict in the sync state "conflict_from:<id>"); `mine` is this device's value when
    one of them is ("swapped" says the server's roles were turned)."""
    found = local.get_state(s, f"conflict_from:{c.id}") or {}
    me = local.get_state(s, "device_id")
    area = (local.get_state(s, "institution") or {}).get("area")
    mine_from, theirs_from = found.get("mine"), found.get("theirs")
    mine, theirs = json.loads(c.mine), json.loads(c.theirs)
    swapped = (
        isinstance(theirs_from, dict)
        and me is not None
        and theirs_from.get("device") == me
        and not (isinstance(mine_from, dict) and mine_from.get("device") == me)
    )
    if swapped:
        mine, theirs, mine_from, theirs_from = theirs, mine, theirs_from, mine_from
    return {
        "mine": mine,
        "theirs": theirs,
        "mine_label": label(mine_from, me, area),
        "theirs_label": label(theirs_from, me, area),
        "mine_from": mine_from,
        "theirs_from": theirs_from,
        "swapped": swapped,
    }
