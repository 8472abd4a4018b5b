"""The resident list model: holds only row ids; rows are loaded in blocks on the DB worker as they
scroll into view (a 50,000-resident village list opens at once and never freezes)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ui.qt import QAbstractTableModel, QColor, QModelIndex, QObject, Qt, Signal, tr
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

BLOCK = 200
FIRST_PAGE = 40  # rows fetched with the search itself: more than a 768-pixel screen shows
CACHED_BLOCKS = 20  # rows kept in memory: scrolling through 50,000 residents stays small
SEX = {"1": "男", "2": "女", "9": "未说明", "0": "未知"}
STATUS = {"active": "在册", "moved": "迁出", "deceased": "死亡", "lost": "失访", "merged": "已合并"}
TAGS = {"htn": "高血压", "dm": "糖尿病", "smi": "严重精神障碍", "tb": "肺结核", "maternal": "孕产妇",
        "65+": "65岁以上", "0-6": "0-6岁儿童"}  # fmt: skip
COLUMNS = (
    ("record_no", "档案编号"),
    ("name", "姓名"),
    ("sex", "性别"),
    ("age", "年龄"),
    ("birth_date", "出生日期"),
    ("id_number", "身份证号"),
    ("phone", "电话"),
    ("tags", "重点人群"),
    ("village", "村"),
    ("status", "状态"),
)


def age_on(birth_date: str | None, today: dt.date | None = None) -> int | None:
    if not birth_date:
        return None
    try:
        b = dt.date.fromisoformat(birth_date)
    except ValueError:
        return None
    t = today or dt.date.today()
    return t.year - b.year - ((t.month, t.day) < (b.month, b.day))


def tag_labels(resident: dict[str, Any], today: dt.date | None = None) -> list[str]:
    tags = [TAGS[t] for t in resident.get("tags") or [] if t in TAGS]
    age = age_on(resident.get("birth_date"), today)
    if age is not None and age >= 65 and TAGS["65+"] not in tags:
        tags.append(TAGS["65+"])
    if age is not None and 0 <= age <= 6:  # 0-6岁儿童 by the birth date on the day, like 65+
        tags.append(TAGS["0-6"])
    return tags


def display(resident: dict[str, Any], key: str) -> str:
    if key == "sex":
        return SEX.get(resident.get("sex") or "", "")
    if key == "status":
        return STATUS.get(resident.get("status") or "", resident.get("status") or "")
    if key == "tags":
        return "、".join(tag_labels(resident))
    if key == "age":
        age = age_on(resident.get("birth_date"))
        return "" if age is None else f"{age}岁"
    value = resident.get(key)
    return "" if value is None else str(value)


class ResidentModel(QAbstractTableModel):
    """`search(query, filters)` replaces the id list; `resident(row)` is the cached summary."""

    loaded = Signal(int)  # number of matches, after each new id list arrives

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._rows: dict[str, dict[str, Any]] = {}
        self._asked: set[int] = set()  # blocks requested and not yet arrived
        self._blocks: OrderedDict[int, list[str]] = OrderedDict()  # cached blocks, oldest first
        self.query = ""
        self.filters: dict[str, Any] = {}
        self.generation = 0
        self.complete = True  # False between the first screenful and the full id list

    # --- Qt model API
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr("Residents", COLUMNS[section][1])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows.get(self._ids[index.row()])
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._fetch(index.row() // BLOCK)
                return "…" if index.column() == 1 else ""
            return None
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(row, key)
        if role == Qt.ItemDataRole.ForegroundRole and row.get("status") not in (None, "active"):
            return QColor("#888888")
        if role == Qt.ItemDataRole.UserRole:
            return row.get("uuid")
        return None

    # --- loading
    def search(self, query: str, filters: dict[str, Any] | None = None) -> None:
        """Two trips to the worker: the first screenful of rows (shown at once), then the ids of
        every match for the scroll bar. An older search still queued is dropped, and one still
        running is stopped: typing on never waits for a list nobody will look at."""
        self.query = query
        self.filters = {k: v for k, v in (filters or {}).items() if v}
        self.generation += 1
        generation = self.generation
        q, f = self.query, dict(self.filters)

        def first(store: Store) -> list[dict[str, Any]]:
            from app.services import residents

            return residents.find(store, q, limit=FIRST_PAGE, **f)

        def every(store: Store) -> list[str]:
            from app.services import residents

            return residents.ids(store, q, cancelled=lambda: self.generation != generation, **f)

        key = f"resident-search-{id(self)}"
        DbOp(None, first).latest_only(key + "-first").success(
            lambda rows: self._set_first(generation, rows)
        ).failure(self._failed).run()
        DbOp(None, every).latest_only(key).success(
            lambda ids: self._set_ids(generation, ids)
        ).failure(self._failed).run()

    def refresh(self) -> None:
        self.search(self.query, self.filters)

    def _set_first(self, generation: int, rows: list[dict[str, Any]]) -> None:
        if generation != self.generation:
            return  # a newer search was started after this one
        self.beginResetModel()
        self._ids = [r["uuid"] for r in rows]
        self._rows = {r["uuid"]: r for r in rows}
        self._asked.clear()
        self._blocks.clear()
        self._blocks[0] = list(self._ids)
        self.complete = False
        self.endResetModel()
        if len(rows) < FIRST_PAGE:  # that was every match: the id list will say nothing new
            self.complete = True
            self.loaded.emit(len(rows))

    def _set_ids(self, generation: int, ids: list[str]) -> None:
        if generation != self.generation:
            return
        shown = len(self._ids)
        if ids[:shown] == self._ids:
            # The first screenful is already on screen, in this order: only add the rest, so the
            # selection and scroll position stay where the doctor left them.
            if len(ids) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                self._ids = ids
                self.endInsertRows()
        else:
            self.beginResetModel()
            self._ids = ids
            self._rows.clear()
            self._asked.clear()
            self._blocks.clear()
            self.endResetModel()
        if not self.complete:
            self.complete = True
            self.loaded.emit(len(ids))

    def _fetch(self, block: int) -> None:
        if block in self._asked:
            return
        self._asked.add(block)
        generation = self.generation
        wanted = self._ids[block * BLOCK : (block + 1) * BLOCK]

        def load(store: Store) -> list[dict[str, Any]]:
            from app.services import residents

            return residents.summaries(store, wanted)

        DbOp(None, load).success(lambda rows: self._arrived(generation, block, rows)).failure(
            self._failed
        ).run()

    def _failed(self, exc: BaseException) -> None:
        # The list reloads on the next search or scroll; a failed background read (the session
        # being closed for a restore or a user switch) is no reason to interrupt anyone.
        from app.services.residents import Cancelled
        from ui.errors import log_exception

        self._asked.clear()
        if not isinstance(exc, Cancelled):
            log_exception(exc)

    def _arrived(self, generation: int, block: int, rows: list[dict[str, Any]]) -> None:
        if generation != self.generation:
            return
        self._asked.discard(block)
        for r in rows:
            self._rows[r["uuid"]] = r
        self._blocks[block] = [r["uuid"] for r in rows]
        self._blocks.move_to_end(block)
        while len(self._blocks) > CACHED_BLOCKS:
            _, old = self._blocks.popitem(last=False)
            for uuid in old:
                self._rows.pop(uuid, None)
        first = block * BLOCK
        last = min(first + BLOCK, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    # --- for the window
    def uuid_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def resident(self, row: int) -> dict[str, Any] | None:
        uuid = self.uuid_at(row)
        return self._rows.get(uuid) if uuid else None

    def row_of(self, uuid: str) -> int:
        try:
            return self._ids.index(uuid)
        except ValueError:
            return -1

    def forget(self, uuid: str) -> None:
        """A resident changed: reload that row next time it is shown."""
        self._rows.pop(uuid, None)
        row = self.row_of(uuid)
        if row >= 0:
            self._asked.discard(row // BLOCK)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
