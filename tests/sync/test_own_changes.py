"""A device does not pull back what it has just pushed (issue 17, point 7): changes the server
applied exactly as sent are recorded on the device at once and passed over by its pull; a change
the server merged with someone else's still comes back. The drift check stays quiet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from synchelp import add_residents, local_residents, server_residents

from app.db.models import Version
from app.services import residents
from sync import local


def versions(inst: Any) -> int:
    with inst.store.session() as s:
        return s.scalar(select(func.count()).select_from(Version)) or 0


def test_own_pushes_are_not_pulled_back(county: Any, make_installation: Any) -> None:
    t = county.township()
    a = make_installation(t + "001", county)
    b = make_installation(t + "001", county)
    a.sync()  # the first sync's snapshot is done: from now on it pulls the feed
    uuids = add_residents(a.store, 30)
    first = a.sync()
    assert first["pushed"] == 30 and first["pulled"] == 0  # its own new residents stay up there
    b.sync()
    for i, u in enumerate(uuids[:20]):
        residents.update(a.store, u, {"address": f"本机改{i}"})
    before = versions(a)
    out = a.sync()
    assert out["pushed"] == 20 and out["pulled"] == 0, out
    assert versions(a) == before  # nothing re-applied
    with a.store.session() as s:
        assert local.get_state(s, "last_run")["repaired"] is False  # counts and hashes agree
    # Someone else's edit of the same resident first: the server merges, the result comes back.
    residents.update(b.store, uuids[25], {"phone": "13911112222"})
    b.sync()
    residents.update(a.store, uuids[25], {"address": "两边都改"})
    out = a.sync()
    assert out["pulled"] >= 1
    got = residents.get(a.store, uuids[25])
    assert got["phone"] == "13911112222" and got["address"] == "两边都改"
    b.sync()
    server = server_residents(county, t)
    assert local_residents(a.store) == server == local_residents(b.store)
