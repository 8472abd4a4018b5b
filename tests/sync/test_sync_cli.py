"""The county and sync commands, run as a user would run them."""

from __future__ import annotations

import json
from typing import Any

from synchelp import cli

from app.services import residents


def test_county_commands(tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    out = cli("county", "institution", "add", "--db", db, "--area", "110105001001", "--name", "x",
              "--level", "village")  # fmt: skip
    assert out.returncode != 0 and "county init" in out.stderr  # not initialised yet
    bad = cli("county", "init", "--db", db, "--area", "1101", "--name", "朝阳区")
    assert bad.returncode == 3 and "6 位数字" in bad.stderr
    assert cli("county", "init", "--db", db, "--area", "110105", "--name", "朝阳区").returncode == 0
    assert (
        cli("county", "init", "--db", db, "--area", "110105", "--name", "朝阳区").returncode == 0
    )  # idempotent
    for area, level, message in [("110105001000", "village", "村段不能是 000"),
                                 ("110105001001", "township", "村段必须是 000"),
                                 ("120105001001", "village", "不属于本县")]:  # fmt: skip
        out = cli(
            "county",
            "institution",
            "add",
            "--db",
            db,
            "--area",
            area,
            "--name",
            "x",
            "--level",
            level,
        )
        assert out.returncode == 3 and message in out.stderr, out.stderr
    out = cli("county", "institution", "add", "--db", db, "--area", "110105001001", "--name", "一村",
              "--level", "village")  # fmt: skip
    assert out.returncode == 0, out.stderr
    dup = cli("county", "institution", "add", "--db", db, "--area", "110105001001", "--name", "一村",
              "--level", "village")  # fmt: skip
    assert dup.returncode == 3 and "已存在" in dup.stderr
    code = cli("county", "enroll-code", "--db", db, "--area", "110105001001")
    assert code.returncode == 0
    assert code.stdout.count("\n") == 1 and len(code.stdout.strip()) == 19  # the code alone
    assert "一村" in code.stderr and code.stdout.strip() not in code.stderr
    missing = cli("county", "enroll-code", "--db", db, "--area", "110105001009")
    assert missing.returncode == 3 and "institution add" in missing.stderr
    devices = cli("county", "device", "list", "--db", db, "--json")
    assert devices.returncode == 0 and json.loads(devices.stdout) == []
    revoke = cli("county", "device", "revoke", "--db", db, "no-such-device")
    assert revoke.returncode == 3 and "no-such-device" in revoke.stderr
    tls = cli("county", "serve", "--db", db, "--tls-cert", "x.pem")
    assert tls.returncode == 3 and "--tls-key" in tls.stderr


def test_client_commands_end_to_end(three: Any, county: Any, make_installation: Any) -> None:
    a, _b, hospital, t = three
    fresh = make_installation(t + "002")
    wrong = fresh.cli("enroll", "--server", county.url, "--code", county.enroll_code(t + "001"))
    assert wrong.returncode != 0 and "不符" in wrong.stderr
    ok = fresh.cli(
        "enroll", "--server", county.url, "--code", county.enroll_code(t + "002"), "--json"
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["institution"]["area"] == t + "002"
    reused = fresh.cli("enroll", "--server", county.url, "--code", "ABCD-EFGH-JKLM-NPQR")
    assert reused.returncode != 0 and "注册码无效" in reused.stderr

    r = residents.add(
        a.store, {"name": "韩十", "sex": "2", "birth_date": "1970-07-07", "phone": "13500000001"}
    )
    out = a.cli("sync", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"pushed": 1, "pulled": 1, "conflicts": 0, "quarantined": 0}
    assert hospital.cli("sync", "--json").returncode == 0
    residents.update(a.store, r["uuid"], {"phone": "13500000002"})
    residents.update(hospital.store, r["uuid"], {"phone": "13500000003"})
    assert json.loads(hospital.cli("sync", "--json").stdout)["conflicts"] == 0
    assert json.loads(a.cli("sync", "--json").stdout)["conflicts"] == 1
    (c,) = json.loads(a.cli("conflicts", "list", "--json").stdout)
    assert {k: c[k] for k in ("resident", "field", "original", "mine", "theirs")} == {
        "resident": r["uuid"], "field": "phone", "original": "13500000001", "mine": "13500000002",
        "theirs": "13500000003"}  # fmt: skip
    bad = a.cli("conflicts", "resolve", c["id"], "--value", "12")
    assert bad.returncode == 3 and "phone" in bad.stderr
    assert a.cli("conflicts", "resolve", "no-such-id", "--take", "mine").returncode == 5
    done = a.cli("conflicts", "resolve", c["id"], "--value", "13500000009")
    assert done.returncode == 0, done.stderr
    status = json.loads(a.cli("sync", "status", "--json").stdout)
    assert (
        status["queue"] == 1
        and status["conflicts"] == 0
        and status["cursor"] > 0
        and status["last_success"]
    )
    a.cli("sync")
    hospital.cli("sync")
    assert residents.get(hospital.store, r["uuid"])["phone"] == "13500000009"
    assert json.loads(hospital.cli("conflicts", "list", "--json").stdout) == []
    unenrolled = make_installation(t + "001")
    msg = unenrolled.cli("sync")
    assert msg.returncode != 0 and "cunyi enroll" in msg.stderr


def test_sync_counts_include_households(three: Any) -> None:
    a, _b, hospital, _t = three
    r = residents.add(a.store, {"name": "秦一", "sex": "1", "birth_date": "1966-06-06", "household": "秦家"})
    out = a.cli("sync", "--json")
    assert json.loads(out.stdout) == {"pushed": 2, "pulled": 2, "conflicts": 0, "quarantined": 0}
    assert json.loads(hospital.cli("sync", "--json").stdout)["pulled"] == 2
    renamed = hospital.cli("household", "rename", r["record_no"], "秦一户", "--json")
    assert renamed.returncode == 0, renamed.stderr
    assert json.loads(hospital.cli("sync", "status", "--json").stdout)["queue"] == 1
    assert json.loads(hospital.cli("sync", "--json").stdout)["pushed"] == 1
    assert json.loads(a.cli("sync", "--json").stdout)["pulled"] == 1
    shown = json.loads(a.cli("household", "show", r["uuid"], "--json").stdout)
    assert shown["label"] == "秦一户" and [m["name"] for m in shown["members"]] == ["秦一"]
