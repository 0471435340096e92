"""Bars for RAM, flash and latency against the board's budget, with the per-node breakdown.

Each bar is a stack of segments, one per node (plus the runtime and stack), scaled to the budget
(or to the use when it is over, with the budget marked). Hovering a segment shows the node's
share; hovering or selecting a node on the canvas highlights its segment. Numbers come from the
validation ``Report`` only; after a run, the latency bar has the measured time per node beside the
estimate under it (``studio.ui.stage_times``).
"""
from __future__ import annotations

import zlib

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from studio.core.validate import Report
from studio.ui.stage_times import StageTimesTable

OVER_COLOUR = QColor(220, 50, 47)
NEAR_COLOUR = QColor(230, 160, 20)
OK_COLOUR = QColor(60, 160, 90)


def _segment_colour(key: str) -> QColor:
    if key.startswith("("):
        return QColor(120, 120, 120)
    hue = zlib.crc32(key.encode()) % 360
    return QColor.fromHsl(hue, 120, 120)


class BudgetBar(QWidget):
    hovered = Signal(object)  # segment key (node id) or None
    caption_changed = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.segments: list[tuple[str, float]] = []
        self.used = 0.0
        self.budget = 0.0
        self.caption = ""
        self.highlight: str | None = None
        self.setMinimumHeight(26)
        self.setMouseTracking(True)

    @property
    def over(self) -> bool:
        return self.budget > 0 and self.used > self.budget

    @property
    def fill_colour(self) -> QColor:
        if self.over:
            return OVER_COLOUR
        return NEAR_COLOUR if self.budget and self.used / self.budget > 0.9 else OK_COLOUR

    def set_values(self, segments: dict[str, float], used: float, budget: float, caption: str) -> None:
        self.segments = sorted(((k, v) for k, v in segments.items() if v > 0), key=lambda kv: -kv[1])
        self.used, self.budget, self.caption = used, budget, caption
        self.setToolTip("")
        self.update()
        self.caption_changed.emit(caption)

    def set_highlight(self, key: str | None) -> None:
        if key != self.highlight:
            self.highlight = key
            self.update()

    def _scale(self) -> float:
        full = max(self.budget, self.used, 1e-9)
        return (self.width() - 2) / full

    def _rects(self) -> list[tuple[str, float, QRectF]]:
        out, x, k = [], 1.0, self._scale()
        for key, value in self.segments:
            w = value * k
            out.append((key, value, QRectF(x, 1, w, self.height() - 2)))
            x += w
        return out

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        over = self.over
        for key, _value, rect in self._rects():
            colour = OVER_COLOUR if over else _segment_colour(key)
            if self.highlight is not None and key != self.highlight:
                colour = colour.darker(160) if not over else colour.lighter(130)
            p.fillRect(rect, colour)
            if key == self.highlight:
                p.setPen(QPen(pal.text().color(), 2))
                p.drawRect(rect.adjusted(1, 1, -1, -1))
        if over:
            x = 1 + self.budget * self._scale()
            p.setPen(QPen(pal.text().color(), 2, Qt.PenStyle.DashLine))
            p.drawLine(int(x), 0, int(x), self.height())
        p.setPen(QPen(self.fill_colour.darker(120) if not over else OVER_COLOUR, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        # name each segment that has room for it: the bar is its own legend
        metrics = p.fontMetrics()
        p.setPen(QColor(255, 255, 255))
        for key, _value, rect in self._rects():
            if rect.width() > metrics.horizontalAdvance(key) + 8:
                p.drawText(rect.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, key)
        p.end()

    def segment_at(self, x: float) -> tuple[str, float] | None:
        for key, value, rect in self._rects():
            if rect.left() <= x < rect.right():
                return key, value
        return None

    def mouseMoveEvent(self, event) -> None:
        hit = self.segment_at(event.position().x())
        self.hovered.emit(hit[0] if hit else None)
        self.set_highlight(hit[0] if hit else None)
        if hit:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(hit[0]), self)

    def leaveEvent(self, event) -> None:
        self.hovered.emit(None)
        self.set_highlight(None)

    def describe(self, key: str) -> str:
        value = dict(self.segments).get(key, 0.0)
        share = value / self.budget if self.budget else 0.0
        return f"{key}: {self.format(value)} ({share:.1%} of the {self.title} budget)"

    def format(self, value: float) -> str:
        return f"{value / 1024:.1f} KiB"


class LatencyBar(BudgetBar):
    def format(self, value: float) -> str:
        return f"{value / 1000:.2f} ms"


class BudgetPanel(QWidget):
    hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.ram = BudgetBar("RAM")
        self.flash = BudgetBar("flash")
        self.latency = LatencyBar("latency")
        self.labels = {}
        for bar in (self.ram, self.flash, self.latency):
            name = bar.title if bar.title == "RAM" else bar.title.capitalize()
            label = QLabel(name)
            self.labels[bar.title] = label
            layout.addWidget(label)
            layout.addWidget(bar)
            bar.hovered.connect(self.hovered)
            bar.caption_changed.connect(lambda text, bar=bar, label=label, name=name: label.setText(
                f"<b>{name}</b>&nbsp;&nbsp;" + (f"<span style='color:{OVER_COLOUR.name()}'><b>{text}</b></span>"
                                                if bar.over else text)))
        self.stage_times = StageTimesTable()
        layout.addWidget(self.stage_times)
        layout.addStretch(1)

    def show_profile(self, profile) -> None:
        """A board's measured time per node (``StageProfile``), beside the estimate; None clears it."""
        self.stage_times.set_profile(profile)

    def bars(self) -> list[BudgetBar]:
        return [self.ram, self.flash, self.latency]

    def show_report(self, report: Report | None) -> None:
        if report is None:
            for bar in self.bars():
                bar.set_values({}, 0, 0, "no report")
            return
        for bar, budget in ((self.ram, report.ram), (self.flash, report.flash)):
            bar.set_values(dict(budget.by_node), budget.used_bytes, budget.budget_bytes,
                           f"{budget.used_bytes / 1024:.1f} / {budget.budget_bytes / 1024:.0f} KiB "
                           f"({budget.fraction:.0%}){'  OVER' if budget.over else ''}")
        lat = report.latency
        if lat.period_us:
            caption = (f"{lat.window_us / 1000:.2f} ms per window / {lat.period_us / 1000:.1f} ms period "
                       f"({lat.utilization:.0%}){'  TOO SLOW' if lat.window_us > lat.period_us else ''}")
        else:
            caption = f"{lat.window_us / 1000:.2f} ms per window (no sample period yet)"
        self.latency.set_values(dict(lat.by_node_us), lat.window_us, lat.period_us, caption)
        self.stage_times.set_estimate(lat.by_node_us)

    def set_highlight(self, key: str | None) -> None:
        for bar in self.bars():
            bar.set_highlight(key)
