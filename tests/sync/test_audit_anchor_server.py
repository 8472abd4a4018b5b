"""The county keeps the last audit-chain head each device sent and flags a device whose chain
no longer extends it (rewritten or cut short with the data key): the flag is the county's, so
nobody at the clinic can take it back. Issue 12."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import requests
from synchelp import PASSWORD, ROOT, USER

from app.services import residents
from tests.chainhelp import raw, rehash


def device_id(inst: Any) -> str:
    from sync import local

    with inst.store.session() as s:
        return local.get_state(s, "device_id")


def server_head(county: Any, inst: Any) -> tuple[Any, Any, Any]:
    [row] = county.query("SELECT audit_seq, audit_hash, audit_flag FROM device WHERE id = :id",
                         id=device_id(inst))  # fmt: skip
    return tuple(row)


def local_head(inst: Any) -> tuple[int, str]:
    from app.services import anchors

    with inst.store.session() as s:
        head = anchors.chain_head(s.connection())
    return head["seq"], head["hash"]


def test_each_sync_leaves_the_head_with_the_county(county: Any, make_installation: Any) -> None:
    inst = make_installation(county.township() + "001")
    inst.enroll(county)
    residents.add(inst.store, {"name": "严十三", "sex": "1", "birth_date": "1980-01-01"})
    out = inst.sync()
    assert "audit_flag" not in out
    seq, digest, flag = server_head(county, inst)
    assert (seq, digest) == local_head(inst) and flag is None
    inst.sync()
    assert server_head(county, inst)[0] == local_head(inst)[0] > seq


@pytest.mark.parametrize("tamper", ["rewrite", "truncate"])
def test_a_chain_that_does_not_extend_the_last_head_is_flagged(
    county: Any, make_installation: Any, tamper: str
) -> None:
    inst = make_installation(county.township() + "001")
    inst.enroll(county)
    residents.add(inst.store, {"name": "严十三", "sex": "1", "birth_date": "1980-01-01"})
    inst.sync()
    kept_seq = server_head(county, inst)[0]
    conn = raw(inst.data_dir, USER, PASSWORD)
    if tamper == "rewrite":
        conn.execute("UPDATE audit SET user = 'someone' WHERE action = 'create'")
    else:
        conn.execute("DELETE FROM audit WHERE seq > 3")
    rehash(conn)
    conn.close()
    if tamper == "truncate":
        assert local_head(inst)[0] < kept_seq
    out = inst.sync()
    assert ("被改写" if tamper == "rewrite" else "短") in out["audit_flag"]
    seq, _digest, flag = server_head(county, inst)
    assert seq == kept_seq and flag == out["audit_flag"]  # the anchor did not move
    for _ in range(2):  # adding entries does not make it go away
        residents.add(inst.store, {"name": "严十四", "sex": "1", "birth_date": "1981-01-01"},
                      allow_similar=True)  # fmt: skip
        assert inst.sync()["audit_flag"] == flag
    listed = subprocess.run([sys.executable, "-m", "app", "county", "device", "list", "--db", county.db],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "审计日志异常" in listed.stdout, listed.stderr
    cleared = subprocess.run([sys.executable, "-m", "app", "county", "device", "clear-audit",
                              device_id(inst), "--db", county.db],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert cleared.returncode == 0, cleared.stderr
    assert "audit_flag" not in inst.sync()
    assert server_head(county, inst)[0] == local_head(inst)[0]


def test_bad_heads_are_refused_naming_the_field(county: Any, make_installation: Any) -> None:
    from sync import local

    inst = make_installation(county.township() + "001")
    inst.enroll(county)
    with inst.store.session() as s:
        token = local.get_state(s, "token")
    url = county.url + "/api/v1/audit-head"
    auth = {"Authorization": f"Bearer {token}"}
    for body, field in (({"head": {"seq": "1", "hash": "0" * 64}}, "head"),
                        ({"head": {"seq": 1, "hash": "xyz"}}, "head"),
                        ({"head": {"seq": 1, "hash": "0" * 64}, "proof": {"seq": -1}}, "proof"),
                        ([], "JSON")):  # fmt: skip
        r = requests.post(url, json=body, headers=auth, timeout=10)
        assert r.status_code == 400 and field in r.json()["detail"], (body, r.text)
    assert requests.get(url, timeout=10).status_code == 401
