"""Issue 17 point 2: the county keeps every version of every entity with who sent it, and an
append-only access log; `cunyi county audit` answers "who changed this blood pressure, from what"
and "who pulled village 001"."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from synchelp import cli

from app.services import records, residents
from forms.examples import example
from sync import local


def device_id(inst: Any) -> str:
    with inst.store.session() as s:
        return local.get_state(s, "device_id")


def audit(county: Any, *args: str) -> dict[str, Any]:
    out = cli("county", "audit", "--db", county.db, *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_who_changed_this_blood_pressure_and_who_pulled_the_village(
    county: Any, three: Any
) -> None:
    a, _b, hospital, t = three
    r = residents.add(a.store, {"name": "严十三", "sex": "1", "birth_date": "1960-01-01"})
    rec = records.add(a.store, r["uuid"], "htn_followup", example("htn_followup"), confirmed=True)
    a.sync()
    hospital.sync()
    records.update(hospital.store, rec["uuid"], {"sbp": 148}, confirmed=True)
    hospital.sync()

    h = audit(county, "--entity", rec["uuid"])
    assert [v["rev"] for v in h["versions"]] == [1, 2]
    first, second = h["versions"]
    assert first["device_id"] == device_id(a) and first["institution"] == "一村卫生室"
    assert first["changes"]["sbp"] == [None, 152]
    assert second["device_id"] == device_id(hospital)
    assert second["institution"] == "测试乡镇卫生院" and second["user"] == "admin"
    assert second["made_at"] and second["changes"] == {"sbp": [152, 148]}
    text = cli("county", "audit", "--db", county.db, "--entity", rec["uuid"]).stdout
    assert "sbp: 152 → 148" in text and "测试乡镇卫生院" in text

    # Who was sent village 001's residents: the clinic itself and the township hospital.
    readers = audit(county, "--area", t + "001")["access"]
    pulls = {(x["device_id"], x["action"]) for x in readers if x["ok"]}
    assert (device_id(hospital), "snapshot") in pulls and (device_id(a), "pull") in pulls
    assert device_id(_b) not in {x["device_id"] for x in readers}
    mine = audit(county, "--device", device_id(hospital))
    actions = [x["action"] for x in mine["access"]]
    assert {"enroll", "snapshot", "pull", "push", "audit_head"} <= set(actions)
    assert {(c["uuid"], c["rev"]) for c in mine["changes"]} == {(rec["uuid"], 2)}


def test_reads_and_refusals_are_logged_without_personal_data(county: Any, three: Any) -> None:
    a, _b, hospital, t = three
    r = residents.add(a.store, {"name": "严十四", "sex": "1", "birth_date": "1961-01-01",
                                "id_number": "110105196101010014"})  # fmt: skip
    a.sync()
    with hospital.store.session() as s:
        token = local.get_state(s, "token")
    got = requests.get(county.api(f"/residents/{r['uuid']}"), headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    bad = requests.get(county.api("/sync/pull"), headers={"Authorization": "Bearer forged-token"})
    assert bad.status_code == 401
    code = county.enroll_code(t + "002")
    refused = requests.post(county.api("/enroll"), json={"code": code + "X", "area": t + "002", "name": "x"})
    assert refused.status_code == 403

    reads = audit(county, "--entity", r["uuid"])["reads"]
    assert [(x["action"], x["device_id"]) for x in reads] == [("read", device_id(hospital))]
    rows = county.query("SELECT action, ok, detail, subject FROM access_log ORDER BY id")
    failed = [(act, det) for act, ok, det, _ in rows if not ok]
    assert ("auth", "unauthorized /api/v1/sync/pull") in failed
    assert any(act == "enroll" for act, _ in failed)
    text = json.dumps([list(x) for x in rows], ensure_ascii=False)
    assert "严十四" not in text and "110105196101010014" not in text and "forged-token" not in text


@pytest.mark.parametrize("table", ["entity_version", "access_log"])
def test_history_and_access_log_are_append_only(county: Any, three: Any, table: str) -> None:
    a, *_ = three
    residents.add(a.store, {"name": "严十五", "sex": "1", "birth_date": "1962-01-01"})
    a.sync()
    from sqlalchemy import text

    for sql in (f"UPDATE {table} SET area = '000000000000'", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"), county.engine.begin() as c:
            c.execute(text(sql))
    assert county.query(f"SELECT count(*) FROM {table}")[0][0] > 0


def test_the_audit_head_is_checked_at_each_sync(county: Any, three: Any) -> None:
    """A device that pulls and then pushes again without reporting its audit head in between
    (a client that skips the check) is flagged; one whose report was lost re-sends it first."""
    from sync.client import SyncClient

    a, b, _hospital, _t = three

    def flag(inst: Any) -> Any:
        return county.query("SELECT audit_flag FROM device WHERE id = :d", d=device_id(inst))[0][0]

    for inst in (a, b):
        inst.sync()
        assert flag(inst) is None
    skipping = SyncClient(a.store)
    skipping.pull_all()
    residents.add(a.store, {"name": "严十七", "sex": "1", "birth_date": "1963-01-01"})
    skipping.push_all()
    assert "没有报告审计日志头" in flag(a)

    lost = SyncClient(b.store)
    lost.pull_all()
    with b.store.session(write=True) as s:  # the sync ended, its report did not arrive
        local.set_state(s, "audit_head_owed", True)
    residents.add(b.store, {"name": "严十八", "sex": "1", "birth_date": "1964-01-01"})
    assert "audit_flag" not in b.sync()
    assert flag(b) is None
