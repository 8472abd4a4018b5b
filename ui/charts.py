"""Small trend charts drawn with QPainter (blood pressure, glucose): no chart library needed."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from ui.qt import QColor, QFont, QPainter, QPen, QPointF, QRectF, QSize, Qt, QWidget, tr


@dataclass
class Series:
    label: str
    colour: str
    points: list[tuple[str, float]] = field(default_factory=list)  # (YYYY-MM-DD, value)


@dataclass
class Target:
    """A horizontal reference line such as 140 mmHg."""

    value: float
    label: str


class TrendChart(QWidget):
    def __init__(self, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.series: list[Series] = []
        self.targets: list[Target] = []
        self.setMinimumSize(320, 180)

    def sizeHint(self) -> QSize:
        return QSize(460, 220)

    def set_data(self, series: list[Series], targets: list[Target] | None = None) -> None:
        self.series = [s for s in series if s.points]
        self.targets = targets or []
        self.update()

    def point_count(self) -> int:
        return sum(len(s.points) for s in self.series)

    def paintEvent(self, event) -> None:  # noqa: ANN001, ARG002
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        base = QFont(self.font())
        bold = QFont(base)
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft,
                   f"{self.title}（{self.unit}）")  # fmt: skip
        p.setFont(base)
        plot = QRectF(48, 30, self.width() - 64, self.height() - 58)
        if not self.series:
            p.setPen(QColor("#888888"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, tr("Chart", "还没有记录"))
            p.end()
            return
        dates = sorted({d for s in self.series for d, _ in s.points})
        d0, d1 = _day(dates[0]), _day(dates[-1])
        span = max((d1 - d0).days, 1)
        values = [v for s in self.series for _, v in s.points] + [t.value for t in self.targets]
        lo, hi = nice_range(min(values), max(values))

        def x(d: str) -> float:
            if len(dates) == 1:
                return plot.center().x()
            return plot.left() + plot.width() * (_day(d) - d0).days / span

        def y(v: float) -> float:
            return plot.bottom() - plot.height() * (v - lo) / (hi - lo)

        p.setPen(QPen(QColor("#dddddd"), 1))
        for i in range(5):
            v = lo + (hi - lo) * i / 4  # nice_range makes these round numbers
            p.drawLine(QPointF(plot.left(), y(v)), QPointF(plot.right(), y(v)))
            p.setPen(QColor("#666666"))
            p.drawText(QRectF(0, y(v) - 8, 44, 16), Qt.AlignmentFlag.AlignRight, tick_text(v))
            p.setPen(QPen(QColor("#dddddd"), 1))
        for t in self.targets:
            p.setPen(QPen(QColor("#e57373"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y(t.value)), QPointF(plot.right(), y(t.value)))
            p.drawText(QPointF(plot.right() - 60, y(t.value) - 3), t.label)
        p.setPen(QColor("#666666"))
        p.drawText(QRectF(plot.left(), plot.bottom() + 4, 120, 16), Qt.AlignmentFlag.AlignLeft,
                   dates[0])  # fmt: skip
        if len(dates) > 1:
            p.drawText(QRectF(plot.right() - 120, plot.bottom() + 4, 120, 16),
                       Qt.AlignmentFlag.AlignRight, dates[-1])  # fmt: skip
        legend_x = plot.left() + 130
        for s in self.series:
            colour = QColor(s.colour)
            p.setPen(QPen(colour, 2))
            pts = [QPointF(x(d), y(v)) for d, v in sorted(s.points)]
            for a, b in zip(pts, pts[1:], strict=False):
                p.drawLine(a, b)
            p.setBrush(colour)
            for pt in pts:
                p.drawEllipse(pt, 3, 3)
            p.drawLine(QPointF(legend_x, self.height() - 12), QPointF(legend_x + 16, self.height() - 12))
            p.setPen(QColor("#333333"))
            p.drawText(QPointF(legend_x + 20, self.height() - 7), s.label)
            legend_x += 30 + p.fontMetrics().horizontalAdvance(s.label)
        p.end()


def tick_text(v: float) -> str:
    """6.5 stays 6.5 (a step of 0.5 or 0.25 printed whole read "6, 6, 7, 8, 8"); 140.0 is 140."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def nice_range(lo: float, hi: float) -> tuple[float, float]:
    """Axis ends on round numbers, four equal steps of 1, 2, 2.5 or 5 x 10^n."""
    span = max(hi - lo, 1.0)
    raw = span * 1.2 / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor((lo - span * 0.1) / step) * step
    while start + 4 * step < hi:
        start += step
    return start, start + 4 * step


def _day(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        return dt.date.min
