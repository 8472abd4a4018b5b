"""A ruled table of rows: cells with flow content, vertically merged label cells, page breaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from reportlab.pdfgen.canvas import Canvas

MIN_ROW = 16.0  # points: the lowest ruled row, one line of text with a box


class Content(Protocol):
    def height(self, width: float) -> float: ...

    def draw(self, c: Canvas, x: float, top: float, width: float, height: float) -> None: ...


@dataclass
class Cell:
    """A cell spanning [x0, x1] of the table width. Consecutive rows whose cells share the same
    x range and `merge` key are drawn as one tall cell (a section or group label)."""

    x0: float
    x1: float
    content: Content
    merge: object = None
    shade: bool = False
    frame: bool = True  # False: a title or cut line between tables, no ruling


@dataclass
class Row:
    cells: list[Cell]
    min_height: float = MIN_ROW
    keep_with_next: bool = False  # list headers stay with their first item row
    height: float = 0.0

    def measure(self) -> float:
        h = self.min_height
        for cell in self.cells:
            if cell.merge is None:
                h = max(h, cell.content.height(cell.x1 - cell.x0))
        self.height = h
        return h


@dataclass
class Grid:
    rows: list[Row] = field(default_factory=list)

    def measure(self) -> None:
        """Row heights; a merged label taller than its rows stretches the run's last row."""
        for row in self.rows:
            row.measure()
        for run in _merge_runs(self.rows):
            rows, cell = run
            need = cell.content.height(cell.x1 - cell.x0)
            have = sum(r.height for r in rows)
            if need > have:
                rows[-1].height += need - have

    def paginate(self, first: float, rest: float) -> list[list[Row]]:
        """Split rows into pages: `first` points of room on the first page, `rest` on later ones.
        A section or group cut by a page break keeps its label on both pages: a piece too short
        for its label moves to the next page (unless it is the whole page), and the rows of a
        piece are stretched so that the label fits inside its cell."""
        pages: list[list[Row]] = [[]]
        room = first
        i = 0
        while i < len(self.rows):
            # a header row moves to the next page together with the row it introduces
            group = [self.rows[i]]
            while group[-1].keep_with_next and i + len(group) < len(self.rows):
                group.append(self.rows[i + len(group)])
            h = sum(r.height for r in group)
            if h > room and pages[-1]:
                n = _carry(pages[-1], self.rows[i:])
                if n:
                    group = [*pages[-1][-n:], *group]
                    del pages[-1][-n:]
                    i -= n
                    h = sum(r.height for r in group)
                pages.append([])
                room = rest
            pages[-1].extend(group)
            room -= h
            i += len(group)
        for page in pages:
            _fit_labels(page)
        return pages


def _need(cell: Cell) -> float:
    return cell.content.height(cell.x1 - cell.x0)


def _key(c: Cell) -> tuple[float, float, object]:
    return (c.x0, c.x1, c.merge)


def _run_rows(rows: list[Row], key: tuple[float, float, object]) -> list[Row]:
    out: list[Row] = []
    for row in rows:
        if not any(_key(c) == key for c in row.cells):
            break
        out.append(row)
    return out


def _carry(page: list[Row], rest: list[Row]) -> int:
    """How many rows at the end of `page` go to the next page with `rest` (the rows still to
    place), so that neither piece of a section or group cut by the break is too short for its
    label: a label squeezed into one short row is unreadable."""
    carry = 0
    for cell in (c for c in rest[0].cells if c.merge is not None):
        key = _key(cell)
        tail = list(reversed(_run_rows(list(reversed(page)), key)))
        if not tail:
            continue
        need = _need(cell)
        head_rows = _run_rows(rest, key)
        head = sum(r.height for r in head_rows)
        # a small group (血脂: two rows) is never cut; a short piece cannot show its label
        if len(tail) + len(head_rows) <= 3 or sum(r.height for r in tail) < need:
            carry = max(carry, len(tail))
            continue
        n = 0
        while head < need and n < len(tail) - 1:
            n += 1
            head += tail[-n].height
            if sum(r.height for r in tail[:-n]) < need:
                n = len(tail)
                break
        carry = max(carry, n)
    return carry if carry < len(page) else 0


def _fit_labels(page: list[Row]) -> None:
    for rows, cell in _merge_runs(page):
        have = sum(r.height for r in rows)
        need = _need(cell)
        if need > have:
            rows[-1].height += need - have


def _merge_runs(rows: list[Row]) -> list[tuple[list[Row], Cell]]:
    runs: list[tuple[list[Row], Cell]] = []
    open_runs: dict[tuple[float, float, object], tuple[list[Row], Cell]] = {}
    for row in rows:
        seen = set()
        for cell in row.cells:
            if cell.merge is None:
                continue
            key = (cell.x0, cell.x1, cell.merge)
            seen.add(key)
            if key in open_runs:
                open_runs[key][0].append(row)
            else:
                open_runs[key] = ([row], cell)
                runs.append(open_runs[key])
        for key in list(open_runs):
            if key not in seen:
                del open_runs[key]
    return runs


def draw_rows(c: Canvas, rows: list[Row], x: float, top: float) -> float:
    """Draw rows from `top` down; returns the y below the last row."""
    c.setLineWidth(0.6)
    y = top
    ys: list[float] = []
    for row in rows:
        ys.append(y)
        for cell in row.cells:
            if cell.merge is not None:
                continue
            if cell.shade:
                c.setFillGray(0.93)
                c.rect(x + cell.x0, y - row.height, cell.x1 - cell.x0, row.height, stroke=0, fill=1)
                c.setFillGray(0)
            if cell.frame:
                c.rect(x + cell.x0, y - row.height, cell.x1 - cell.x0, row.height, stroke=1, fill=0)
            cell.content.draw(c, x + cell.x0, y, cell.x1 - cell.x0, row.height)
        y -= row.height
    index = {id(r): i for i, r in enumerate(rows)}
    for run_rows, cell in _merge_runs(rows):
        t = ys[index[id(run_rows[0])]]
        b = ys[index[id(run_rows[-1])]] - run_rows[-1].height
        c.rect(x + cell.x0, b, cell.x1 - cell.x0, t - b, stroke=1, fill=0)
        cell.content.draw(c, x + cell.x0, t, cell.x1 - cell.x0, t - b)
    # the table's outer frame a little heavier, as printed forms are
    if rows and all(cell.frame for r in rows for cell in r.cells):
        c.setLineWidth(1.0)
        right = max(cell.x1 for r in rows for cell in r.cells)
        c.rect(x, y, right, top - y, stroke=1, fill=0)
        c.setLineWidth(0.6)
    return y
