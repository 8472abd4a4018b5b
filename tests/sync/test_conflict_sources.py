"""Issue 17 point 4: a conflict says which institution and device each value came from, and each
installation shows them from its own point of view: "本机" and the other institution's name,
never the server's mine/theirs (on clinic A, "mine" was the township's value, and --take mine
made the township's value final everywhere)."""

from __future__ import annotations

import json
from typing import Any

from app.services import residents
from sync import local, resolve


def device_id(inst: Any) -> str:
    with inst.store.session() as s:
        return local.get_state(s, "device_id")


def test_each_installation_sees_its_own_value_as_its_own(three: Any, county: Any) -> None:
    a, _b, hospital, _t = three
    r = residents.add(a.store, {"name": "卫一", "sex": "1", "birth_date": "1956-03-04",
                                "phone": "13800000001"})  # fmt: skip
    a.sync()
    hospital.sync()
    residents.update(a.store, r["uuid"], {"phone": "13800000011"})
    residents.update(hospital.store, r["uuid"], {"phone": "13800000022"})
    a.sync()
    hospital.sync()  # the hospital's push is the one that conflicts: the server's "mine"
    a.sync()

    # The server says where each value is from.
    [row] = county.query("SELECT mine_from, theirs_from FROM conflict WHERE entity_uuid = :u",
                         u=r["uuid"])  # fmt: skip
    mine_from, theirs_from = (json.loads(x) if isinstance(x, str) else x for x in row)
    assert (mine_from["device"], mine_from["institution"]) == (device_id(hospital), "测试乡镇卫生院")
    assert (theirs_from["device"], theirs_from["institution"]) == (device_id(a), "一村卫生室")

    # Clinic A: its own value first, as 本机; the hospital's by name.
    listed = a.cli("conflicts", "list")
    assert listed.returncode == 0, listed.stderr
    assert "本机 '13800000011'" in listed.stdout and "测试乡镇卫生院 '13800000022'" in listed.stdout
    (c,) = json.loads(a.cli("conflicts", "list", "--json").stdout)
    assert (c["mine"], c["mine_label"], c["theirs"], c["theirs_label"]) == (
        "13800000011", "本机", "13800000022", "测试乡镇卫生院"
    )
    from sync import status_rows

    [shown] = status_rows.conflict_rows(a.store)
    assert (shown.mine_text, shown.mine_label) == ("13800000011", "本机")
    # --take mine on clinic A keeps clinic A's value, everywhere.
    done = a.cli("conflicts", "resolve", c["id"], "--take", "mine")
    assert done.returncode == 0, done.stderr
    a.sync()
    hospital.sync()
    for inst in (a, hospital):
        assert residents.get(inst.store, r["uuid"])["phone"] == "13800000011"
        assert resolve.listing(inst.store) == []
