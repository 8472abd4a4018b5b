"""Plain-text exports of every resident and record (JSON, or CSV that Excel opens in Chinese).

An export is the one place data leaves the encryption on purpose: it is audited, the file is
created readable by its owner only, and the CLI tells the user to keep it safe.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import roles
from app.db.models import Household, Record, Resident
from app.errors import UsageError
from app.services import audit
from app.services.residents import SUMMARY_KEYS

if TYPE_CHECKING:
    from app.store import Store

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500

# Columns after the summary keys, before the form's other fields.
RESIDENT_EXTRA = ("address", "household", "status_date", "status_reason", "merged_into", "provisional",
                  "tags", "edition", "created_at", "updated_at")  # fmt: skip


def _households(s: Session) -> dict[str, str]:
    return {h.uuid: h.label for h in s.execute(select(Household)).scalars()}


def resident_rows(s: Session) -> Iterator[dict[str, Any]]:
    """Each resident: the keys of `find`, then its other columns, then every form field."""
    labels = _households(s)
    q = select(Resident).order_by(Resident.record_no).execution_options(yield_per=2000)
    for r in s.execute(q).scalars():
        row = {k: getattr(r, k) for k in SUMMARY_KEYS}
        row.update(address=r.address, household=labels.get(r.household_uuid or ""),
                   status_date=r.status_date, status_reason=r.status_reason,
                   merged_into=r.merged_into, provisional=bool(r.provisional), tags=r.tags.split(),
                   edition=r.edition, created_at=r.created_at, updated_at=r.updated_at)  # fmt: skip
        for k, v in json.loads(r.doc).items():
            row.setdefault(k, v)
        yield row


def record_rows(s: Session) -> Iterator[dict[str, Any]]:
    q = select(Record).order_by(Record.resident_uuid, Record.visit_date, Record.created_at)
    for rec in s.execute(q.execution_options(yield_per=2000)).scalars():
        yield {"uuid": rec.uuid, "resident": rec.resident_uuid, "form": rec.form,
               "edition": rec.edition, "visit_date": rec.visit_date, "status": rec.status,
               "rev": rec.rev, "doc": json.loads(rec.doc)}  # fmt: skip


def _private_open(path: Path, newline: str | None = None):  # type: ignore[no-untyped-def]
    """Open for writing, readable by the owner only (the file holds personal data in clear)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(fd, "w", encoding="utf-8-sig" if newline == "" else "utf-8", newline=newline)


# A cell starting with one of these is a formula to Excel and LibreOffice (=HYPERLINK(...) sends
# data away when clicked, @SUM(...) runs); openpyxl even stores "=..." strings as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A typed text that a spreadsheet would read as a formula, made plain text by a leading
    apostrophe (the import takes it off again: app/services/import_table.py)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, dict)):
        return neutralise(json.dumps(v, ensure_ascii=False))
    if isinstance(v, str):
        return neutralise(v)
    return v


def write_json(s: Session, path: Path) -> tuple[int, int]:
    n_res = n_rec = 0
    with _private_open(path) as f:
        # Streamed by hand so 50,000 residents never sit in memory twice.
        f.write('{"residents": [')
        for row in resident_rows(s):
            f.write((",\n" if n_res else "\n") + json.dumps(row, ensure_ascii=False))
            n_res += 1
        f.write('\n], "records": [')
        for row in record_rows(s):
            f.write((",\n" if n_rec else "\n") + json.dumps(row, ensure_ascii=False))
            n_rec += 1
        f.write("\n]}\n")
    return n_res, n_rec


def _table(s: Session, progress: Progress | None) -> tuple[list[str], list[dict[str, Any]]]:
    """Every resident as a row of one table (CSV, XLSX), and the columns they use."""
    total = s.execute(select(func.count()).select_from(Resident)).scalar_one() if progress else 0
    rows = []
    for row in resident_rows(s):
        rows.append(row)
        if progress and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows), total)
    columns: dict[str, None] = dict.fromkeys((*SUMMARY_KEYS, *RESIDENT_EXTRA))
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns), rows


def write_csv(s: Session, path: Path, progress: Progress | None = None) -> tuple[int, int]:
    columns, rows = _table(s, progress)
    # UTF-8 with a byte-order mark: Excel on Chinese Windows otherwise reads it as GBK.
    with _private_open(path, newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell(row.get(k)) for k in columns])
    return len(rows), 0


def write_xlsx(s: Session, path: Path, progress: Progress | None = None) -> tuple[int, int]:
    """The same table as the CSV, as an Excel workbook (cells as text: an ID number stays whole,
    not 4.2e17)."""
    from openpyxl import Workbook

    columns, rows = _table(s, progress)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("居民")
    sheet.append(columns)
    for row in rows:
        sheet.append([_text_cell(row.get(k)) for k in columns])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as f:
        wb.save(f)
    return len(rows), 0


def _text_cell(v: Any) -> Any:
    v = _cell(v)
    return v if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


FORMATS = ("json", "csv", "xlsx")


def export(store: Store, path: Path, fmt: str, progress: Progress | None = None) -> dict[str, Any]:
    """`progress(done, total)` is called as residents are read; an exception it raises (a
    cancel) stops the export, and a file left half-written is removed."""
    roles.require(store, "export")
    path = Path(path)
    if fmt not in FORMATS:
        raise UsageError("导出格式可选：json、csv、xlsx")
    if not path.parent.is_dir():
        raise UsageError(f"目录不存在：{path.parent}")
    try:
        with store.session() as s:
            if fmt == "json":
                n_res, n_rec = write_json(s, path)
            else:
                n_res, n_rec = (write_csv if fmt == "csv" else write_xlsx)(s, path, progress)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written file of personal data left behind
        raise
    audit.log(store, "export", detail={"format": fmt, "residents": n_res, "records": n_rec})
    return {"path": str(path), "format": fmt, "residents": n_res, "records": n_rec}
