"""Issue 12: each class of input the CLI fuzz (test_cli_fuzz.py) found ending in 内部错误, refused
instead in one line naming the argument, field or file, with its exit code, and nothing saved.
Calls run in-process against a real encrypted installation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cli_fuzz import INTERNAL, Outcome, invoke

from tests.conftest import ADMIN, PASSWORD

PERSON = {"name": "赵大", "sex": "1", "birth_date": "1970-01-02"}


@pytest.fixture
def env(data_dir: Path) -> dict[str, str]:
    return {"CUNYI_DATA_DIR": str(data_dir), "CUNYI_USER": ADMIN, "CUNYI_PASSWORD": PASSWORD}


def refused(o: Outcome, code: int, *names: str) -> str:
    """The one line of the refusal, checked for its exit code and every name in `names`."""
    lines = o.err.strip().splitlines()
    assert o.code == code, (o.code, o.err)
    assert INTERNAL not in o.err and "Traceback" not in o.err
    assert len(lines) == 1 and lines[0].startswith("错误："), o.err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def residents(env: dict[str, str]) -> list:
    return json.loads(invoke(["resident", "find", "", "--json"], env).out)


def test_bytes_that_are_not_utf8_or_a_nul_name_the_argument(env: dict[str, str]) -> None:
    # A terminal in GBK hands Python such bytes as lone surrogates; SQLite cannot store them.
    refused(invoke(["resident", "find", "张\udcd5"], env), 2, "QUERY", "UTF-8")
    refused(invoke(["resident", "show", "1010\x00"], env), 2, "REF", "空字符")
    refused(invoke(["resident", "add", "--json", "a\udcff.json"], env), 2, "--json")
    refused(invoke(["user", "list"], {**env, "CUNYI_USER": "adm\udcffin"}), 2, "CUNYI_USER")


@pytest.mark.parametrize(("raw", "names"), [
    (b'{"name": "\xd5\xd4"}', ("JSON", "第1行", "UTF-8")),  # GBK bytes, not UTF-8
    (b"[" * 100_000 + b"]" * 100_000, ("JSON", "嵌套")),
    (b'{"name": "\\ud800", "sex": "1", "birth_date": "1970-01-02"}', ("（name）", "UTF-8")),
    (b'{"name": "a\\u0000b", "sex": "1", "birth_date": "1970-01-02"}', ("（name）", "空字符")),
    (b'{"past_diseases": [{"code": "\\udfff"}]}', ("（past_diseases[0].code）",)),
    (b'[{"name": "x"}]', ("JSON", "对象")),
    (b'{"": 1}', ("JSON", "字段名为空")),
    (b'{"\\u202ename": "x"}', ("JSON", "\\u202ename", "不可见")),  # shown, not obeyed
])  # fmt: skip
def test_json_input_that_no_record_can_hold_is_refused_naming_where(
        env: dict[str, str], tmp_path: Path, raw: bytes, names: tuple[str, ...]) -> None:  # fmt: skip
    src = tmp_path / "in.json"
    src.write_bytes(raw)
    refused(invoke(["resident", "add", "--json", str(src)], env), 3, *names)
    assert residents(env) == []


def test_json_input_with_a_bom_is_read(env: dict[str, str], tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(json.dumps(PERSON, ensure_ascii=False).encode("utf-8-sig"))  # Notepad's UTF-8
    assert invoke(["resident", "add", "--json", str(src)], env).code == 0
    assert [r["name"] for r in residents(env)] == ["赵大"]


def test_json_input_that_is_no_file_names_the_option(env: dict[str, str], tmp_path: Path) -> None:
    refused(invoke(["resident", "add", "--json", str(tmp_path)], env), 2, "--json", "是文件夹")
    refused(invoke(["resident", "add", "--json", "\t"], env), 2, "--json", "不存在")


def test_a_data_folder_that_cannot_be_one_is_named(env: dict[str, str], tmp_path: Path) -> None:
    # Exit code 1, as for a data folder without an installation: not the input of a command.
    (tmp_path / "plain.txt").write_text("x", "utf-8")
    below_a_file = tmp_path / "plain.txt" / "data"
    refused(invoke(["demo", "--data-dir", str(below_a_file)], env), 1, str(below_a_file), "不是文件夹")
    too_long_name = tmp_path / ("n" * 300)
    refused(invoke(["check", "--data-dir", str(too_long_name)], env), 1, str(too_long_name), "太长")
    # Each part short enough for the file system, the whole too long for SQLite to open.
    deep = tmp_path.joinpath(*["d" * 50] * 12)
    refused(invoke(["demo", "--residents", "1", "--data-dir", str(deep)], env), 1, "数据目录", "太长")
    assert not deep.exists()


def test_a_file_named_on_the_command_line_that_cannot_be_used_is_a_usage_error(
        env: dict[str, str], tmp_path: Path) -> None:  # fmt: skip
    (tmp_path / "plain.txt").write_text("x", "utf-8")
    below_a_file = tmp_path / "plain.txt" / "out.cybak"  # backup makes missing folders
    refused(invoke(["backup", "-o", str(below_a_file)], env), 2, str(tmp_path / "plain.txt"), "不是文件夹")
    too_long = tmp_path / ("n" * 300 + ".cybak")
    refused(invoke(["backup", "-o", str(too_long)], env), 2, str(too_long), "文件名太长")
    assert not list(tmp_path.glob(".cunyi-backup-*"))


@pytest.mark.parametrize("command", [["print", "card", "--village", "101"], ["backup"],
                                     ["export", "--format", "csv"]])  # fmt: skip
def test_an_output_that_cannot_be_a_new_file_names_the_option(env: dict[str, str], tmp_path: Path,
                                                              command: list[str]) -> None:  # fmt: skip
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, why in ((tmp_path, "是文件夹"), (Path("/"), "是文件夹"), (fifo, "不是普通文件")):
        refused(invoke([*command, "-o", str(target)], env), 2, "-o/--output", str(target), why)
    # Run as root, writing "beside and rename" would have put a plain file in the pipe's place
    # (as it did to /dev/null).
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    if command[0] != "backup":  # a backup makes its folder
        missing = tmp_path / "no" / "out"
        refused(invoke([*command, "-o", str(missing)], env), 2, "-o/--output", "不存在")


def test_find_limit_out_of_range_names_it(env: dict[str, str]) -> None:
    for limit in ("1000000000000000000000000000000", "0", "-1"):
        refused(invoke(["resident", "find", "x", "--limit", limit], env), 3, "（limit）")
    assert invoke(["resident", "find", "x", "--limit", "5"], env).code == 0


def test_demo_size_is_bounded(env: dict[str, str], tmp_path: Path) -> None:
    fresh = tmp_path / "demo"
    refused(invoke(["demo", "--data-dir", str(fresh), "--residents", str(10**12)], env), 3, "（residents）")
    refused(invoke(["demo", "--data-dir", str(fresh), "--residents", "-1"], env), 3, "（residents）")
    assert not fresh.exists()


def test_import_of_a_folder_or_an_empty_file_names_it(env: dict[str, str], tmp_path: Path) -> None:
    refused(invoke(["import", str(tmp_path)], env), 2, "FILE", "是文件夹")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    refused(invoke(["import", str(empty)], env), 2, "empty.csv")


def test_server_address_that_cannot_be_parsed_is_refused(env: dict[str, str]) -> None:
    for server in ("https://[::1", "http://127.0.0.1:99999", "https://host:port"):
        refused(invoke(["enroll", "--server", server, "--code", "x"], env), 3, "（server）")


def test_county_database_url_and_hours_are_named(env: dict[str, str], tmp_path: Path) -> None:
    text = tmp_path / "plain.txt"
    text.write_text("no database", "utf-8")
    for url in ("", "nonsense://", "postgresql+nodriver://x", "nonsense://nonsense://x"):
        refused(invoke(["county", "device", "list", "--db", url], env), 3, "--db")
    refused(invoke(["county", "device", "list", "--db", f"sqlite:///{text}"], env), 1, "--db")
    db = f"sqlite:///{tmp_path / 'county.db'}"
    assert invoke(["county", "init", "--db", db, "--area", "110105", "--name", "朝阳区"], env).code == 0
    for hours in ("inf", "nan", "-1", "1e308"):
        refused(invoke(["county", "enroll-code", "--db", db, "--area", "110105001101", "--hours", hours],
                       env), 3, "--hours")  # fmt: skip
    refused(invoke(["county", "enroll-code", "--db", db, "--area", "1\n2"], env), 3, "1\\n2")


def test_usage_errors_are_one_chinese_line_naming_the_argument(env: dict[str, str]) -> None:
    refused(invoke(["resident", "find"], env), 2, "缺少参数：query", "cunyi resident find --help")
    refused(invoke(["resident", "find", "x", "--limit", "many"], env), 2, "参数 --limit", "不是整数")
    refused(invoke(["resident", "status", "x", "--set", "gone"], env), 2, "参数 --set", "'moved'")
    refused(invoke(["conflicts", "resolve", "1"], env), 2, "--take --value")
    refused(invoke(["resident", "find", "x", "--village"], env), 2, "参数 --village 后面缺少值")


def test_echoed_control_characters_stay_one_line(env: dict[str, str]) -> None:
    refused(invoke(["record", "list", "x", "\n"], env), 2, "无法识别的参数：\\n")
    refused(invoke(["resident", "show", "a\nb"], env), 5, "a\\nb")


def test_unmerge_after_the_number_moved_on_is_refused_naming_where(env: dict[str, str]) -> None:
    # B's ID number went to A by the first merge, and on to C by the second: undoing the first
    # would give B a number C holds (before: 内部错误, a UNIQUE constraint).
    def add(data: dict) -> str:
        o = invoke(["resident", "add", "--json", "-"], env, json.dumps(data, ensure_ascii=False))
        assert o.code == 0, o.err
        return json.loads(o.out)["record_no"]

    a = add({"name": "钱一", "sex": "2", "birth_date": "1950-01-01"})
    b = add({"name": "钱秀英", "id_number": "11010519491231002X"})
    c = add({"name": "孙二", "sex": "1", "birth_date": "1960-01-01"})
    assert invoke(["resident", "merge", a, b], env).code == 0
    assert invoke(["resident", "merge", c, a], env).code == 0
    line = refused(invoke(["resident", "unmerge", b], env), 3, "（ref）", c)
    assert "先撤销" in line
    assert json.loads(invoke(["resident", "show", b, "--json"], env).out)["record_no"] == c
    assert invoke(["resident", "unmerge", a], env).code == 0  # undone in order, both work
    assert invoke(["resident", "unmerge", b], env).code == 0
    assert json.loads(invoke(["resident", "show", b, "--json"], env).out)["id_number"] == "11010519491231002X"


def test_unmerge_from_a_survivor_merged_away_since_works(env: dict[str, str]) -> None:
    # W absorbed D, then W was merged into M (M took W's ID number): undoing the first merge
    # gave W its number back in the column, which M holds (before: 内部错误, UNIQUE constraint).
    def add(data: dict) -> str:
        o = invoke(["resident", "add", "--json", "-"], env, json.dumps(data, ensure_ascii=False))
        assert o.code == 0, o.err
        return json.loads(o.out)["record_no"]

    w = add({"name": "钱秀英", "id_number": "11010519491231002X"})
    d = add({"name": "钱一", "sex": "2", "birth_date": "1950-01-01"})
    m = add({"name": "孙二", "sex": "1", "birth_date": "1960-01-01"})
    assert invoke(["resident", "merge", w, d], env).code == 0
    assert invoke(["resident", "merge", m, w], env).code == 0
    done = invoke(["resident", "unmerge", d], env)
    assert done.code == 0, done.err
    shown = json.loads(invoke(["resident", "show", d, "--json"], env).out)
    assert shown["record_no"] == d and shown["status"] == "active"
    assert json.loads(invoke(["resident", "show", m, "--json"], env).out)["id_number"] == "11010519491231002X"
    assert invoke(["check"], env).code == 0


def test_county_device_not_found_names_the_argument(env: dict[str, str], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'county.db'}"
    assert invoke(["county", "init", "--db", db, "--area", "110105", "--name", "朝阳区"], env).code == 0
    refused(invoke(["county", "device", "revoke", "", "--db", db], env), 3, "DEVICE_ID", "“”")
