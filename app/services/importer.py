"""Importing residents from a spreadsheet: every bad row reported, good rows added once.

Running the same file twice adds nobody twice: a row whose ID number is already registered (or,
without an ID number, whose name and birth date are) is reported as already present. Rows are
added in batches of BATCH, one transaction each, by resident_batch.register (the same path as a
single registration: history and outbox row per resident, one audit entry per batch); a process
killed mid-import keeps whole batches, and running the import again adds the rest.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import roles
from app.db.models import Resident
from app.errors import InvalidInput
from app.services import audit, prep_pool, resident_batch
from app.services.import_table import Row, read_rows
from app.services.resident_prep import Prepared

if TYPE_CHECKING:
    from app.store import Store

BATCH = 5000


class Known:
    """Who is registered already, by ID number and by (name, birth date)."""

    def __init__(self, s: Session) -> None:
        self.by_id: dict[str, str] = {}
        self.by_name_birth: dict[tuple[str, str], str] = {}
        q = select(Resident.id_number, Resident.name, Resident.birth_date, Resident.record_no).where(
            Resident.status != "merged"
        )
        for id_number, name, birth, record_no in s.execute(q):
            self.add(id_number, name, birth, record_no)

    def add(self, id_number: str | None, name: str, birth: str, record_no: str) -> None:
        if id_number:
            self.by_id[id_number] = record_no
        self.by_name_birth.setdefault((name, birth), record_no)

    def find(self, data: dict[str, Any], number: str | None) -> str | None:
        """`number`: the row's ID number as parsed (Prepared.id_key), None without a valid one."""
        if number:
            return self.by_id.get(number)
        name, birth = data.get("name"), data.get("birth_date")
        if isinstance(name, str) and isinstance(birth, str):
            return self.by_name_birth.get((" ".join(name.split()), birth))
        return None


def _problems(line: int, errors: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"line": line, "field": e.key, "label": e.label, "message": e.message} for e in errors]


REFRESH_AFTER = 1000  # imported rows after which the planner's statistics are refreshed


def import_rows(store: Store, rows: list[Row], *, allow_similar: bool = False,
                progress: Callable[[int, int], None] | None = None,
                workers: int | None = None) -> dict[str, Any]:  # fmt: skip
    """`workers`: processes that clean and validate rows ahead of the writer (default:
    prep_pool.worker_count, which depends on the machine and the number of rows)."""
    report: dict[str, Any] = {"imported": 0, "present": 0, "failed": 0, "errors": [],
                              "already_present": []}  # fmt: skip
    with store.session() as s:
        known = Known(s)
    # A batch allocates millions of small objects, all plain acyclic data: the cycle collector,
    # walking every live object again and again, cost ~10% of an import. Paused meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    # Rows are cleaned and validated ahead, in worker processes when it pays (prep_pool).
    if workers is None:
        workers = prep_pool.worker_count(len(rows))
    stream = prep_pool.prepared([r.data for r in rows], workers)
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            todo = list(zip(batch, islice(stream, len(batch)), strict=True))
            while todo:
                # Two rows of one file for the same person: the later one waits for the first.
                now, todo = _first_of_each(todo, known, report)
                if now:
                    _add(store, now, known, report, allow_similar)
            if progress:
                progress(min(start + BATCH, len(rows)), len(rows))
    finally:
        stream.close()
        if collecting:
            gc.enable()
    if report["imported"] >= REFRESH_AFTER:
        from app.db import planner

        planner.refresh_store(store)
    return report


def _key(row: Row, number: str | None) -> Any:
    return number or (" ".join(str(row.data.get("name", "")).split()), row.data.get("birth_date"))


Pair = tuple[Row, Prepared]


def _first_of_each(rows: list[Pair], known: Known, report: dict[str, Any]) -> tuple[list[Pair], list[Pair]]:
    now: list[Pair] = []
    later: list[Pair] = []
    keys: set[Any] = set()
    for pair in rows:
        row, number = pair[0], pair[1].id_key
        if row.errors:
            report["failed"] += 1
            report["errors"] += _problems(row.line, row.errors)
        elif existing := known.find(row.data, number):
            report["present"] += 1
            report["already_present"].append({"line": row.line, "record_no": existing})
        elif (key := _key(row, number)) in keys:
            later.append(pair)
        else:
            keys.add(key)
            now.append(pair)
    return now, later


def _add(store: Store, pairs: list[Pair], known: Known, report: dict[str, Any], allow_similar: bool) -> None:
    with store.session(write=True) as s:
        results = resident_batch.register_prepared(s, store, [p for _, p in pairs],
                                                   allow_similar=allow_similar)  # fmt: skip
    for (row, _), result in zip(pairs, results, strict=True):
        if isinstance(result, InvalidInput):
            report["failed"] += 1
            report["errors"] += _problems(row.line, result.errors)
        else:
            known.add(result.id_number, result.name, result.birth_date, result.record_no)
            report["imported"] += 1


def import_file(store: Store, path: Path, *, allow_similar: bool = False,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:  # fmt: skip
    roles.require(store, "import")
    rows, header_problems = read_rows(Path(path))
    report = import_rows(store, rows, allow_similar=allow_similar, progress=progress)
    report["warnings"] = _problems(1, header_problems)
    report["rows"] = len(rows)
    audit.log(store, "import", detail={"format": Path(path).suffix.lower().lstrip("."),
                                       "rows": len(rows), "imported": report["imported"],
                                       "present": report["present"], "failed": report["failed"]})  # fmt: skip
    return report
