"""A child's growth charts (issue 15): the WHO standard curves (-3..+3 SD) of one indicator and
age band, with the child's measurements on them, drawn with QPainter from forms.growth's
ChartData (the booklet draws the same data with reportlab)."""

from __future__ import annotations

from typing import Any

from forms import growth
from ui.qt import (
    QColor,
    QComboBox,
    QFont,
    QHBoxLayout,
    QLabel,
    QPainter,
    QPen,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    tr,
)

# Line colour and width by SD: the median green, ±2 orange, ±3 red, ±1 grey (WHO chart colours).
SD_STYLE = {0: ("#2e7d32", 2.0), 1: ("#9e9e9e", 1.0), -1: ("#9e9e9e", 1.0), 2: ("#ef6c00", 1.4),
            -2: ("#ef6c00", 1.4), 3: ("#c62828", 1.4), -3: ("#c62828", 1.4)}  # fmt: skip
POINT_COLOUR = "#1a237e"


def sd_label(sd: int) -> str:
    return "中位数" if sd == 0 else f"{sd:+d}SD"


class GrowthChart(QWidget):
    """One chart; empty text when there is nothing to draw."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: growth.ChartData | None = None
        self.empty_text = tr("Growth", "还没有测量记录")
        self.setMinimumSize(360, 260)

    def sizeHint(self) -> QSize:
        return QSize(540, 380)

    def set_chart(self, data: growth.ChartData | None, empty_text: str = "") -> None:
        self.data = data
        if empty_text:
            self.empty_text = empty_text
        self.update()

    def point_count(self) -> int:
        return len(self.data.points) if self.data else 0

    def paintEvent(self, event) -> None:  # noqa: ANN001, ARG002
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        c = self.data
        base = QFont(self.font())
        if c is None:
            p.setPen(QColor("#888888"))
            p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            p.end()
            return
        bold = QFont(base)
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, c.title)
        p.setFont(base)
        plot = QRectF(46, 30, self.width() - 46 - 58, self.height() - 30 - 56)
        (x0, x1), (y0, y1) = c.x_range, c.y_range

        def px(x: float) -> float:
            return plot.left() + plot.width() * (x - x0) / (x1 - x0)

        def py(y: float) -> float:
            return plot.bottom() - plot.height() * (y - y0) / (y1 - y0)

        grid = QPen(QColor("#eeeeee"), 1)
        p.setPen(grid)
        for t in c.y_ticks:
            p.drawLine(QPointF(plot.left(), py(t)), QPointF(plot.right(), py(t)))
        for t in c.x_ticks:
            p.drawLine(QPointF(px(t), plot.top()), QPointF(px(t), plot.bottom()))
        p.setPen(QColor("#666666"))
        for t in c.y_ticks:
            p.drawText(QRectF(0, py(t) - 8, 42, 16), Qt.AlignmentFlag.AlignRight, f"{t:g}")
        for t in c.x_ticks:
            p.drawText(QRectF(px(t) - 20, plot.bottom() + 2, 40, 16), Qt.AlignmentFlag.AlignCenter, f"{t:g}")
        p.drawText(QRectF(plot.left(), plot.bottom() + 18, plot.width(), 16), Qt.AlignmentFlag.AlignCenter,
                   c.x_label)  # fmt: skip
        p.setPen(QPen(QColor("#bbbbbb"), 1))
        p.drawRect(plot)
        p.setClipRect(plot.adjusted(-1, -1, 1, 1))
        for sd, pts in c.curves.items():
            colour, width = SD_STYLE[sd]
            pen = QPen(QColor(colour), width)
            if abs(sd) == 1:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            line = [QPointF(px(x), py(y)) for x, y in pts]
            for a, b in zip(line, line[1:], strict=False):
                p.drawLine(a, b)
        p.setClipping(False)
        for sd, pts in c.curves.items():  # labels at the right end of each line
            if pts:
                p.setPen(QColor(SD_STYLE[sd][0]))
                y = py(pts[-1][1])
                if plot.top() - 4 <= y <= plot.bottom() + 4:
                    p.drawText(QRectF(plot.right() + 3, y - 8, 56, 16), Qt.AlignmentFlag.AlignLeft, sd_label(sd))
        pts = [QPointF(px(x), py(y)) for x, y, _d in c.points]
        p.setPen(QPen(QColor(POINT_COLOUR), 1.6))
        for a, b in zip(pts, pts[1:], strict=False):
            p.drawLine(a, b)
        p.setBrush(QColor(POINT_COLOUR))
        for pt in pts:
            p.drawEllipse(pt, 3.5, 3.5)
        p.setPen(QColor("#777777"))
        p.drawText(QRectF(8, self.height() - 17, self.width() - 16, 16), Qt.AlignmentFlag.AlignLeft,
                   tr("Growth", "参照：{0}").format(c.reference_label))  # fmt: skip
        p.end()


class GrowthPanel(QWidget):
    """The resident view's 生长曲线 tab: indicator and age band choosers, the chart, and the
    last measurement's z-scores and evaluation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sex: str | None = None
        self.entries: list[dict[str, Any]] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        self.indicator = QComboBox(self)
        self.indicator.setObjectName("growthIndicator")
        for key, title in growth.TITLES.items():
            self.indicator.addItem(tr("Growth", title), key)
        self.band = QComboBox(self)
        self.band.setObjectName("growthBand")
        row.addWidget(QLabel(tr("Growth", "指标"), self))
        row.addWidget(self.indicator, 1)
        row.addWidget(QLabel(tr("Growth", "年龄段"), self))
        row.addWidget(self.band, 1)
        column.addLayout(row)
        self.chart = GrowthChart(self)
        self.chart.setObjectName("growthChart")
        column.addWidget(self.chart, 1)
        self.summary = QLabel(self)
        self.summary.setObjectName("growthSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self.summary)
        self.indicator.currentIndexChanged.connect(self._indicator_changed)
        self.band.currentIndexChanged.connect(self._redraw)
        self._fill_bands()

    def set_child(self, sex: str | None, entries: list[dict[str, Any]]) -> None:
        """The child's sex and measurements (app.services.growth.measurements)."""
        self.sex, self.entries = sex, entries
        aged = [e["age_days"] for e in entries if e.get("age_days") is not None]
        if aged:  # open on the age band of the latest measurement
            self.band.blockSignals(True)
            self.band.setCurrentIndex(growth.band_of(self.current_indicator(), max(aged)))
            self.band.blockSignals(False)
        self._redraw()
        self.summary.setText(self._summary())

    def current_indicator(self) -> str:
        return str(self.indicator.currentData())

    def select(self, indicator: str, band: int) -> None:
        self.indicator.setCurrentIndex(self.indicator.findData(indicator))
        self.band.setCurrentIndex(band)

    def _indicator_changed(self) -> None:
        band = self.band.currentIndex()
        self._fill_bands()
        self.band.setCurrentIndex(max(0, min(band, self.band.count() - 1)))
        self._redraw()

    def _fill_bands(self) -> None:
        self.band.blockSignals(True)
        self.band.clear()
        for b in growth.bands_for(self.current_indicator()):
            self.band.addItem(tr("Growth", b.label))
        self.band.blockSignals(False)

    def _redraw(self) -> None:
        if growth.sex_key(self.sex) is None:
            self.chart.set_chart(None, tr("Growth", "性别不明，无法对照按性别分列的生长标准"))
            return
        indicator = self.current_indicator()
        band = max(self.band.currentIndex(), 0)
        self.chart.set_chart(growth.chart_data(indicator, str(self.sex), band, self.entries))

    def _summary(self) -> str:
        dated = [e for e in self.entries if e.get("z")]
        if not dated:
            return tr("Growth", "还没有可评价的测量（需要出生日期、性别和7岁前的体重、身长/身高或头围）")
        last = dated[-1]
        z = "，".join(f"{growth.INDICATORS[k]} {v:+.2f}" for k, v in last["z"].items())
        ev = last.get("evaluation") or {}
        verdict = tr("Growth", "；评价：{0}").format(ev["label"]) if ev else ""
        return tr("Growth", "最近一次（{0}）Z评分：{1}{2}").format(last["date"], z, verdict)
