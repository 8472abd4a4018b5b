"""The `cunyi` command as administrators and acceptance checks use it: JSON in, JSON out, exit codes."""

import json

from forms.examples import example


def add(cli, data, *extra):
    return cli("resident", "add", "--json", "-", *extra, input=json.dumps(data, ensure_ascii=False))


def test_init_prints_recovery_code_once_and_refuses_twice(tmp_path):
    from tests.conftest import Cli

    c = Cli(tmp_path / "fresh")
    out = c("init", "--area", "110105001101", "--institution-name", "东村卫生室", "--user", "admin")
    assert out.returncode == 0, out.stderr
    assert "恢复代码" in out.stdout and len([w for w in out.stdout.split() if w.count("-") == 5]) == 1
    again = c("init", "--area", "110105001101", "--institution-name", "东村卫生室", "--user", "admin")
    assert again.returncode == 1 and "已有村医数据" in again.stderr
    assert c("status", "--quiet").returncode == 0
    assert Cli(tmp_path / "none")("status", "--quiet").returncode == 1


def test_resident_round_trip(cli):
    out = add(cli, {"name": "李秀英", "id_number": "11010519491231002X", "phone": "13800138000"})
    assert out.returncode == 0, out.stderr
    created = json.loads(out.stdout)
    # What the command line prints is the typed result: the new resident, and whose views show it.
    assert created == {"entity": "resident", "uuid": created["uuid"], "residents": [created["uuid"]],
                       "record_no": created["record_no"]}  # fmt: skip
    found = json.loads(cli("resident", "find", "lxy", "--json").stdout)
    assert found == [{"uuid": created["uuid"], "record_no": created["record_no"], "name": "李秀英",
                      "sex": "2", "birth_date": "1949-12-31", "id_number": "11010519491231002X",
                      "phone": "13800138000", "village": "101", "status": "active"}]  # fmt: skip
    shown = json.loads(cli("resident", "show", created["record_no"][-8:], "--json").stdout)
    assert shown["uuid"] == created["uuid"]
    upd = cli("resident", "update", created["uuid"], "--json", "-", input='{"address": "东村5组"}')
    assert upd.returncode == 0, upd.stderr
    hist = json.loads(cli("resident", "history", created["uuid"], "--json").stdout)
    assert [(h["rev"], h["user"]) for h in hist] == [(1, "admin"), (2, "admin")]
    st = cli("resident", "status", created["uuid"], "--set", "moved", "--reason", "迁往县城")
    assert st.returncode == 0, st.stderr


def test_records_through_the_cli(cli):
    created = json.loads(add(cli, {"name": "王秀兰", "id_number": "110105195103082025",
                                   "past_diseases": [{"code": "2"}]}).stdout)  # fmt: skip
    doc = json.dumps(example("htn_followup"), ensure_ascii=False)
    out = cli("record", "add", created["uuid"], "--form", "htn_followup", "--json", "-", input=doc)
    assert out.returncode == 0, out.stderr
    uuid = json.loads(out.stdout)["uuid"]
    shown = json.loads(cli("record", "show", uuid, "--json").stdout)
    assert shown["form"] == "htn_followup" and shown["doc"]["sbp"] == example("htn_followup")["sbp"]
    listed = json.loads(cli("record", "list", created["record_no"], "--json").stdout)
    assert [r["uuid"] for r in listed] == [uuid]
    bad = cli("record", "update", uuid, "--json", "-", input='{"sbp": 20}')
    assert bad.returncode == 3 and "收缩压（sbp）" in bad.stderr  # scripts get the key
    assert json.loads(cli("record", "show", uuid, "--json").stdout)["doc"]["sbp"] == shown["doc"]["sbp"]


def test_exit_codes_and_messages_without_traceback(cli):
    cases = [
        (("resident", "find"), 2, None),  # usage: missing query
        (("resident", "status", "x", "--set", "gone"), 2, None),
        (("resident", "show", "11010500110199999"), 5, "找不到居民"),
        (("record", "show", "nope"), 5, "找不到记录"),
    ]
    for args, code, text in cases:
        out = cli(*args)
        assert out.returncode == code, (args, out.stderr)
        assert "Traceback" not in out.stderr
        if text:
            assert text in out.stderr
    invalid = add(cli, {"name": "王五", "sex": "1", "birth_date": "1980-13-01"})
    assert invalid.returncode == 3 and "birth_date" in invalid.stderr and "出生日期" in invalid.stderr
    assert len(invalid.stderr.strip().splitlines()) == 1
    malformed = cli("resident", "add", "--json", "-", input="{oops")
    assert malformed.returncode == 3 and "JSON" in malformed.stderr
    wrong = cli("resident", "find", "x", env={"CUNYI_PASSWORD": "wrong-one"})
    assert wrong.returncode == 4 and "密码错误" in wrong.stderr
    nouser = cli("resident", "find", "x", env={"CUNYI_USER": ""})
    assert nouser.returncode == 2 and "CUNYI_USER" in nouser.stderr


def test_similar_resident_needs_allow_similar(cli):
    assert add(cli, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"}).returncode == 0
    refused = add(cli, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"})
    assert refused.returncode == 3 and "--allow-similar" in refused.stderr
    assert add(cli, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"}, "--allow-similar").returncode == 0


def test_merge_and_unmerge_commands(cli):
    a = json.loads(add(cli, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"}).stdout)
    b = json.loads(add(cli, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"}, "--allow-similar").stdout)
    assert cli("resident", "merge", a["record_no"], b["record_no"]).returncode == 0
    assert json.loads(cli("resident", "show", b["uuid"], "--json").stdout)["uuid"] == a["uuid"]
    assert cli("resident", "unmerge", b["uuid"]).returncode == 0
    assert json.loads(cli("resident", "show", b["uuid"], "--json").stdout)["uuid"] == b["uuid"]


def test_users_and_disabled_login(cli):
    add_user = cli("user", "add", "li", "--role", "nurse", env={"CUNYI_NEW_PASSWORD": "nurse-pw-1"})
    assert add_user.returncode == 0, add_user.stderr
    as_li = {"CUNYI_USER": "li", "CUNYI_PASSWORD": "nurse-pw-1"}
    assert cli("resident", "find", "x", env=as_li).returncode == 0
    denied = cli("user", "add", "zhao", "--role", "doctor", env={**as_li, "CUNYI_NEW_PASSWORD": "pw-1234567"})
    assert denied.returncode == 4 and "管理员" in denied.stderr
    assert cli("user", "disable", "li").returncode == 0
    out = cli("resident", "find", "x", env=as_li)
    assert out.returncode == 4 and "已停用" in out.stderr


def test_damaged_pages_give_a_clear_message(cli, store):
    from app.services import residents

    for i in range(30):
        residents.add(store, {"name": f"王{'一二三四五六七八九十'[i % 10]}", "sex": "1",
                              "birth_date": f"19{50 + i}-01-01"})  # fmt: skip
    store.close()
    db = cli.data_dir / "cunyi.db"
    raw = bytearray(db.read_bytes())
    for offset in range(8192, len(raw), 4096):  # every page after the first two: HMAC fails
        raw[offset + 100 : offset + 140] = bytes(40)
    db.write_bytes(bytes(raw))
    for wal in cli.data_dir.glob("cunyi.db-*"):
        wal.unlink()
    out = cli("resident", "find", "王")
    assert out.returncode == 1 and "已损坏" in out.stderr and "Traceback" not in out.stderr, out.stderr
