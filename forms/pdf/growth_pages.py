"""儿童生长曲线 in a child's booklet (issue 15): a table of every measurement with its age,
z-scores and evaluation, then the WHO -3..+3 SD curves of each indicator and age band in which
the child has a point, six charts to an A4 page. Drawn from forms.growth (no store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from forms import growth
from forms.pdf.fonts import draw_centred, draw_text, text_width
from forms.pdf.page import (
    CONTENT_W,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PageContext,
    PageDrawer,
    content_bottom,
    draw_footer,
    draw_header,
    draw_title,
)
from forms.registry import UnknownForm, get_form

TITLE = "儿童生长曲线"
SD_RGB = {0: (0.18, 0.49, 0.2), 1: (0.62, 0.62, 0.62), -1: (0.62, 0.62, 0.62), 2: (0.94, 0.42, 0.0),
          -2: (0.94, 0.42, 0.0), 3: (0.78, 0.16, 0.16), -3: (0.78, 0.16, 0.16)}  # fmt: skip
POINT_RGB = (0.1, 0.14, 0.49)
CHARTS_PER_PAGE = 6
TABLE_ROWS = 24  # measurements on the first page; the rest continue before the charts


def _keys(code: str, edition: str | None) -> Mapping[str, str]:
    try:
        return get_form(code, edition).measures()
    except UnknownForm:
        return {}


def child_entries(resident: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The child's evaluated measurements (empty for anyone the standards cannot judge)."""
    if growth.sex_key(resident.get("sex")) is None:
        return []
    rows = growth.measurements(resident.get("sex"), resident.get("birth_date"), records, _keys)
    return [e for e in rows if e["z"]]


def _age(days: int) -> str:
    months = int(days / growth.DAYS_PER_MONTH)
    if months == 0:
        return f"{days}天"
    return f"{months // 12}岁{months % 12}月" if months >= 12 else f"{months}月{int(days - months * growth.DAYS_PER_MONTH)}天"


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


COLUMNS = (("测量日期", 58), ("年龄", 44), ("体重kg", 36), ("身长/高cm", 44), ("头围cm", 36),
           ("年龄别体重", 44), ("年龄别身长/高", 52), ("身长/高别体重", 52), ("年龄别BMI", 44),
           ("年龄别头围", 44), ("评价", 0))  # fmt: skip


def _table(c: Canvas, entries: list[dict[str, Any]], top: float) -> float:
    size, row_h = 7.5, 13.0
    widths = [w for _t, w in COLUMNS]
    widths[-1] = CONTENT_W - sum(widths[:-1])
    xs = [MARGIN_X]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top
    c.setLineWidth(0.5)
    rows = [[t for t, _w in COLUMNS]]
    for e in entries:
        z = e["z"]
        lv = e["levels"].get("by_indicator", {})
        cells = [e["date"], _age(e["age_days"]), _fmt(e["weight"]), _fmt(e["height"]), _fmt(e["head"])]
        cells += [f"{z[k]:+.2f}{lv.get(k, '')}" if k in z else "" for k in ("wfa", "lhfa", "wflh", "bmifa", "hcfa")]
        cells.append((e.get("evaluation") or {}).get("label", ""))
        rows.append(cells)
    for cells in rows:
        c.line(MARGIN_X, y, MARGIN_X + CONTENT_W, y)
        for x, w, s in zip(xs, widths, cells, strict=False):
            draw_centred(c, x + w / 2, y - row_h + 3.5, s, size)
        y -= row_h
    c.line(MARGIN_X, y, MARGIN_X + CONTENT_W, y)
    for x in xs:
        c.line(x, top, x, y)
    return y


def _chart(c: Canvas, data: growth.ChartData, x: float, y: float, w: float, h: float) -> None:
    """One chart in the box (x, y) lower-left, w x h points."""
    draw_text(c, x, y + h - 10, data.title, 8)
    left, bottom = x + 26, y + 22
    pw, ph = w - 26 - 30, h - 22 - 16
    (x0, x1), (y0, y1) = data.x_range, data.y_range

    def px(v: float) -> float:
        return left + pw * (v - x0) / (x1 - x0)

    def py(v: float) -> float:
        return bottom + ph * (v - y0) / (y1 - y0)

    c.saveState()
    c.setLineWidth(0.3)
    c.setStrokeColorRGB(0.88, 0.88, 0.88)
    for t in data.y_ticks:
        c.line(left, py(t), left + pw, py(t))
    for t in data.x_ticks:
        c.line(px(t), bottom, px(t), bottom + ph)
    c.setStrokeColorRGB(0.5, 0.5, 0.5)
    c.rect(left, bottom, pw, ph)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    for t in data.y_ticks:
        s = f"{t:g}"
        draw_text(c, left - 3 - text_width(s, 6), py(t) - 2, s, 6)
    for t in data.x_ticks:
        draw_centred(c, px(t), bottom - 8, f"{t:g}", 6)
    draw_centred(c, left + pw / 2, y + 2, data.x_label, 6.5)
    path_clip = c.beginPath()
    path_clip.rect(left, bottom, pw, ph)
    c.saveState()
    c.clipPath(path_clip, stroke=0, fill=0)
    for sd, pts in data.curves.items():
        if len(pts) < 2:
            continue
        c.setStrokeColorRGB(*SD_RGB[sd])
        c.setLineWidth(1.0 if sd == 0 else 0.6)
        c.setDash(2, 2) if abs(sd) == 1 else c.setDash()
        p = c.beginPath()
        p.moveTo(px(pts[0][0]), py(pts[0][1]))
        for vx, vy in pts[1:]:
            p.lineTo(px(vx), py(vy))
        c.drawPath(p, stroke=1, fill=0)
    c.setDash()
    c.setStrokeColorRGB(*POINT_RGB)
    c.setFillColorRGB(*POINT_RGB)
    c.setLineWidth(0.8)
    pts = [(px(vx), py(vy)) for vx, vy, _d in data.points]
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        c.line(ax, ay, bx, by)
    for ax, ay in pts:
        c.circle(ax, ay, 1.8, stroke=0, fill=1)
    c.restoreState()
    for sd, line in data.curves.items():
        if line and y0 <= line[-1][1] <= y1:
            c.setFillColorRGB(*SD_RGB[sd])
            draw_text(c, left + pw + 2, py(line[-1][1]) - 2, "中位数" if sd == 0 else f"{sd:+d}SD", 5.5)
    c.restoreState()


def growth_pages(resident: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> list[PageDrawer]:
    """The 儿童生长曲线 pages of one child (none when there is nothing to draw)."""
    entries = child_entries(resident, records)
    if not entries:
        return []
    sex = str(resident.get("sex"))
    charts = growth.charts_for(sex, entries)
    name, record_no = str(resident.get("name") or ""), resident.get("record_no")
    reference = growth.default_rules().reference_label
    pages: list[PageDrawer] = []
    tables = [entries[i:i + TABLE_ROWS] for i in range(0, len(entries), TABLE_ROWS)]

    def table_page(rows: list[dict[str, Any]], first: bool) -> PageDrawer:
        def draw(c: Canvas, ctx: PageContext) -> None:
            top = draw_title(c, TITLE, PAGE_H - MARGIN_TOP) if first else PAGE_H - MARGIN_TOP
            y = draw_header(c, name, record_no, top)
            c.setFillColorRGB(0, 0, 0)
            draw_text(c, MARGIN_X, y - 10, f"参照标准：{reference}。Z评分后为上/中/下（>+2SD 上，-2～+2SD 中，"
                                           "<-2SD 下；界值待核实）。", 7.5)  # fmt: skip
            _table(c, rows, y - 16)
            draw_footer(c, ctx)

        return draw

    for i, rows in enumerate(tables):
        pages.append(table_page(rows, i == 0))
    cols, rows_n = 2, CHARTS_PER_PAGE // 2
    for start in range(0, len(charts), CHARTS_PER_PAGE):
        chunk = charts[start:start + CHARTS_PER_PAGE]

        def draw(c: Canvas, ctx: PageContext, chunk: list[growth.ChartData] = chunk) -> None:
            top = draw_header(c, name, record_no, PAGE_H - MARGIN_TOP)
            bottom = content_bottom()
            cell_w, cell_h = CONTENT_W / cols, (top - 4 - bottom) / rows_n
            for k, data in enumerate(chunk):
                col, row = k % cols, k // cols
                _chart(c, data, MARGIN_X + col * cell_w + 4, top - 4 - (row + 1) * cell_h + 6,
                       cell_w - 10, cell_h - 12)  # fmt: skip
            draw_footer(c, ctx)

        pages.append(draw)
    return pages
