"""Reading a spreadsheet of residents (CSV or XLSX) into resident-add dicts, cell by cell.

Headers may be the keys of `resident add` or the Chinese labels of the 个人基本信息表; cells are
turned into what the form expects (codes from labels, dates from the usual spellings, lists of
codes), and every cell that cannot be read is named by line and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import forms
from app.errors import UsageError
from app.services.resident_input import LABELS, SEX_CODES
from forms.model import FieldError

IDENTITY_ALIASES = {"姓名": "name", "性别": "sex", "出生日期": "birth_date", "身份证号": "id_number",
                    "本人电话": "phone", "现住址": "address", "村": "village", "家庭": "household",
                    "身份证号码": "id_number", "电话": "phone", "住址": "address"}  # fmt: skip
# Columns of our own exports that describe the stored record, not what is typed for a new one.
EXPORT_ONLY = frozenset({"uuid", "record_no", "status", "status_date", "status_reason", "merged_into",
                         "provisional", "tags", "edition", "created_at", "updated_at", "rev"})  # fmt: skip
_SPLIT = re.compile(r"[,，、;；/\s]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$")


class CellError(ValueError):
    """A cell that cannot be read; str() says why in Chinese."""


@dataclass
class Row:
    line: int
    data: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)


def _form() -> forms.FormDef | None:
    try:
        return forms.get_form("personal_info")
    except forms.UnknownForm:
        return None


def header_map(form: forms.FormDef | None) -> dict[str, str]:
    """Every accepted header (key or Chinese label) -> the key."""
    out = {k: k for k in LABELS}
    out.update({v: k for k, v in LABELS.items()})
    out.update(IDENTITY_ALIASES)
    if form is not None:
        for f in form.fields():
            if f.computed:
                continue
            out.setdefault(f.key, f.key)
            out.setdefault(f.label, f.key)
    return out


def read_cells(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) of every non-blank row, header first."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise UsageError(f"找不到文件：{path}")
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx(path)
    elif suffix in (".csv", ".txt"):
        yield from _csv(path)
    else:
        raise UsageError(f"{path}：只能导入 .csv 或 .xlsx 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）")


def _xlsx(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise UsageError(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx") from None
    try:
        for i, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), 1):
            cells = ["" if v is None else v for v in values]
            if any(str(c).strip() for c in cells):
                yield i, cells
    finally:
        wb.close()


def _csv(path: Path) -> Iterator[tuple[int, list[Any]]]:
    text = decode_text(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    # The csv module's own limit (128 KiB a field) would end the whole import at one huge cell;
    # a cell over MAX_CELL is refused as that line's error instead (Converter.value).
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    for i, cells in enumerate(reader, 1):
        if any(c.strip() for c in cells):
            yield i, cells


def decode_text(raw: bytes, name: str) -> str:
    """The text of a CSV file saved as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode
    text") or GB18030/GBK (Excel on Chinese Windows). A file that is none of them cleanly is
    refused naming its first bad line: guessing would import garbled names."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(raw, "utf-16", name)
    if len(raw) >= 4 and raw[:4000].count(0) * 3 > min(len(raw), 4000):
        # No BOM but every other byte NUL: UTF-16 of mostly ASCII text.
        even_nuls = raw[:4000:2].count(0)
        return _strict(raw, "utf-16-be" if even_nuls > raw[1:4000:2].count(0) else "utf-16-le", name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8_error = e
    loose = raw.decode("utf-8", errors="replace")
    damaged = loose.count("\ufffd")
    readable = sum(1 for ch in loose if ord(ch) > 0x7F and ch != "\ufffd")
    if readable >= 4 * damaged:
        # Mostly good UTF-8 with a few bad bytes: a damaged UTF-8 file, not GB18030.
        raise UsageError(f"{name} 第{_line_of(raw, utf8_error.start)}行有无法识别的字符（文件按 UTF-8 "
                         "读取，但这里的字节已损坏）；请在 Excel 中另存为“CSV UTF-8”后重新导入")
    return _strict(raw, "gb18030", name)


def _strict(raw: bytes, encoding: str, name: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise UsageError(f"{name} 第{_line_of(raw, e.start, encoding)}行有无法识别的字符（不是 UTF-8、"
                         "GB18030 或 UTF-16 编码）；请在 Excel 中另存为“CSV UTF-8”后重新导入") from None
    return text[1:] if text.startswith("\ufeff") else text


def _line_of(raw: bytes, position: int, encoding: str = "utf-8") -> int:
    return raw[:position].decode(encoding, errors="replace").count("\n") + 1


def _text(v: Any) -> str:
    if isinstance(v, str) and v.startswith("'") and v[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        v = v[1:]  # neutralised by our export (app/services/export.py): the typed text again
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y-%m-%d")
    return str(v).strip()


def _date(v: Any, month_ok: bool = False) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    s = _text(v)
    if re.fullmatch(r"\d{8}", s):
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    m = _DATE.match(s)
    if not m:
        return s  # the form's own check names the problem
    y, mo, d = m.groups()
    if d is None:
        return f"{y}-{int(mo):02d}" if month_ok else s
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def _code(v: Any, table: forms.CodeTable | None) -> str:
    s = _text(v)
    if table is not None and not table.has(s):
        for c in table.codes:
            if s in (c.label, f"{c.code}{c.label}"):
                return c.code
    return s


MAX_CELL = 4000  # characters: far above any real field (a long address, a list of illnesses)


class Converter:
    """Cell values -> the JSON the form expects, guided by the personal_info definition."""

    def __init__(self, form: forms.FormDef | None) -> None:
        self.form = form
        self.fields = {f.key: f for f in form.fields()} if form else {}

    def value(self, key: str, v: Any) -> Any:
        if isinstance(v, str) and len(v) > MAX_CELL:
            raise CellError(f"内容过长（{len(v)}个字符，最多{MAX_CELL}个）")
        try:
            return self._value(key, v)
        except RecursionError:
            raise CellError("括号嵌套过深，无法识别") from None

    def _value(self, key: str, v: Any) -> Any:
        if key == "sex":
            s = _text(v)
            return {label: code for code, label in SEX_CODES.items()}.get(s, s)
        if key == "birth_date":
            return _date(v)
        if key == "id_number":
            if isinstance(v, (int, float)) and len(_text(v)) > 15:
                raise CellError("在 Excel 中被存成了数字，后几位已丢失；请把该列设为“文本”后重新填写")
            return _text(v).upper()
        if key in ("village",):
            s = _text(v)
            return s.zfill(3) if s.isdigit() and len(s) < 3 else s
        f = self.fields.get(key)
        if f is None or self.form is None:
            return _text(v)
        table = self.form.table(f) if f.codes else None
        if f.type == "code":
            return _code(v, table)
        if f.type == "multicode":
            s = _text(v)
            if s.startswith("["):
                return json.loads(s)
            return [_code(part, table) for part in _SPLIT.split(s) if part]
        if f.type == "list":
            return self._list(f, _text(v))
        if f.type == "date":
            return _date(v, month_ok=f.precision == "month")
        if f.type == "int":
            return int(float(_text(v)))
        if f.type == "decimal":
            return float(_text(v))
        if f.type == "bool":
            return _text(v).lower() in ("1", "true", "是", "有", "y", "yes")
        return _text(v)

    def _list(self, f: forms.Field, s: str) -> list[Any]:
        if s.startswith("["):
            return json.loads(s)
        # A plain list of codes ("2、3") for lists whose items are one code each (既往史·疾病).
        keys = [x.key for x in f.item_fields]
        if "code" not in keys or self.form is None:
            raise CellError("须为 JSON 列表，或用顿号分隔的疾病代码")
        table = self.form.table(f.item_field("code"))
        return [{"id": f"i{n}", "code": _code(part, table)}
                for n, part in enumerate(_SPLIT.split(s), 1) if part]  # fmt: skip


def read_rows(path: Path) -> tuple[list[Row], list[FieldError]]:
    """The data rows of the file, and problems with its header (unknown columns are ignored)."""
    form = _form()
    accepted = header_map(form)
    convert = Converter(form)
    cells = read_cells(Path(path))
    try:
        _, header = next(cells)
    except StopIteration:
        raise UsageError(f"{Path(path).name} 是空的：第1行应为表头（姓名、性别、出生日期……）") from None
    keys: list[str | None] = []
    header_problems: list[FieldError] = []
    for h in header:
        name = _text(h)
        key = accepted.get(name) or accepted.get(name.lower())
        if key is None and name and name not in EXPORT_ONLY:
            header_problems.append(FieldError(name, name, "不认识的列，已忽略"))
        keys.append(key)
    if "name" not in keys:
        raise UsageError("表头中没有“姓名”（name）列")
    rows: list[Row] = []
    for line, values in cells:
        row = Row(line, {})
        for key, v in zip(keys, values, strict=False):
            if key is None or (isinstance(v, str) and not v.strip()):
                continue
            try:
                row.data[key] = convert.value(key, v)
            except (ValueError, TypeError) as e:
                label = convert.fields[key].label if key in convert.fields else LABELS.get(key, key)
                why = str(e) if isinstance(e, CellError) else f"无法识别“{_text(v)}”"
                row.errors.append(FieldError(key, label, why))
        rows.append(row)
    return rows, header_problems
