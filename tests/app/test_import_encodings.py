"""Import reads UTF-8 (BOM or not), GB18030 and UTF-16 files cleanly, refuses anything else naming
the first bad line, and one bad field is that line's error while the other lines import. Issue 12."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opshelp import PASSWORD, USER, cli, make_store

from app.errors import UsageError
from app.services import residents
from app.services.import_table import decode_text, read_rows
from app.store import Store

HEADER = "姓名,性别,出生日期\n"
ROWS = "单田芳,男,1950-01-02\n李秀英,女,1949-12-31\n欧阳䶮,男,1960-03-04\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le",
                                      "utf-16-be"])  # fmt: skip
def test_each_encoding_reads_the_same_rows(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes((HEADER + ROWS).encode(encoding))
    rows, problems = read_rows(src)
    assert not problems
    assert [r.data["name"] for r in rows] == ["单田芳", "李秀英", "欧阳䶮"]
    assert rows[2].line == 4


def test_utf8_with_one_bad_byte_is_refused_naming_the_line(tmp_path: Path) -> None:
    raw = (HEADER + ROWS).encode("utf-8")
    at = raw.index("李".encode())
    damaged = raw[:at] + b"\xff" + raw[at + 1:]  # line 3, the second resident
    with pytest.raises(UsageError, match="第3行") as e:
        decode_text(damaged, "in.csv")
    assert "UTF-8" in str(e.value)


def test_a_file_in_no_known_encoding_is_refused_naming_the_line(tmp_path: Path) -> None:
    raw = (HEADER + "王五,男,1950-01-01\n").encode("gb18030") + b"\x81\x0a" + b"x,1,1950-01-01\n"
    with pytest.raises(UsageError, match="第3行"):
        decode_text(raw, "in.csv")


def test_gbk_names_are_not_mistaken_for_damaged_utf8() -> None:
    text = HEADER + "".join(f"张{n}英,女,1950-01-0{n % 9 + 1}\n" for n in range(40))
    assert decode_text(text.encode("gbk"), "in.csv") == text


def test_one_huge_or_deep_field_is_a_line_error_and_the_rest_import(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_store(data).close()
    src = tmp_path / "in.csv"
    huge = "甲" * 10_000_000
    deep = '"' + "[" * 100_000 + "]" * 100_000 + '"'
    src.write_text("姓名,性别,出生日期,既往史·疾病\n"
                   f"单田芳,男,1950-01-02,\n{huge},女,1949-12-31,\n"
                   f"李秀英,女,1949-12-31,{deep}\n王五,男,1960-03-04,\n", "utf-8")  # fmt: skip
    r = cli(data, "import", str(src), "--json")
    assert r.returncode == 3, r.stderr
    assert "内部错误" not in r.stderr
    report = json.loads(r.stdout)
    assert report["imported"] == 2 and report["failed"] == 2
    where = {(e["line"], e["field"]) for e in report["errors"]}
    assert (3, "name") in where and any(line == 4 for line, _ in where), where
    store = Store.open(data, USER, PASSWORD)
    try:
        assert residents.count(store) == 2
    finally:
        store.close()
