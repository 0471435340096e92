"""Measured next to estimated time per pipeline node, after a run.

The firmware's ``profile`` message (``studio.device.protocol.StageProfile``: one window's time per
node at the board's clock) set beside validation's latency estimate (``Latency.by_node_us``), with
their ratio. The table is empty until a board has reported a profile, and is cleared by the next
edit of the graph (the measurement then describes a pipeline that no longer exists).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from studio.device.protocol import StageProfile

COLUMNS = ("node", "estimated", "measured", "measured / estimated")
MAX_ROWS_SHOWN = 10
# a measurement further than this from the estimate is marked (the agreement the e2e tests hold)
AGREEMENT = 0.15
OFF_COLOUR = QColor(230, 160, 20)


@dataclass(frozen=True)
class StageTime:
    node_id: str
    estimated_us: float | None   # None: validation has no estimate for the node
    measured_us: float | None    # None: the firmware does not time it (a live sensor, an output)

    @property
    def ratio(self) -> float | None:
        if self.estimated_us is None or self.measured_us is None or self.estimated_us <= 0:
            return None
        return self.measured_us / self.estimated_us


def stage_times(estimated_us: Mapping[str, float], profile: StageProfile) -> list[StageTime]:
    """One row per node either side knows, in the estimate's (pipeline) order, then nodes only the
    board reported; nodes with neither a measurement nor a non-zero estimate are left out."""
    rows = [StageTime(node, us, profile.stages_us.get(node)) for node, us in estimated_us.items()
            if node in profile.stages_us or us > 0]
    rows += [StageTime(node, None, us) for node, us in profile.stages_us.items() if node not in estimated_us]
    return rows


def _us_text(us: float | None) -> str:
    if us is None:
        return "—"
    return f"{us / 1000:,.2f} ms" if us >= 1000 else f"{us:,.0f} µs"


class StageTimesTable(QTableWidget):
    """The rows of ``stage_times``; hidden while there is no measurement."""

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("stage_times")
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.estimated_us: dict[str, float] = {}
        self.profile: StageProfile | None = None
        self.rows: list[StageTime] = []
        self.setVisible(False)

    def set_estimate(self, estimated_us: Mapping[str, float]) -> None:
        self.estimated_us = dict(estimated_us)
        self._refresh()

    def set_profile(self, profile: StageProfile | None) -> None:
        self.profile = profile
        self._refresh()

    def clear_profile(self) -> None:
        self.set_profile(None)

    def text_at(self, row: int, column: str) -> str:
        item = self.item(row, COLUMNS.index(column))
        return item.text() if item is not None else ""

    def _refresh(self) -> None:
        self.rows = stage_times(self.estimated_us, self.profile) if self.profile is not None else []
        self.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            ratio = row.ratio
            cells = (row.node_id, _us_text(row.estimated_us), _us_text(row.measured_us),
                     "—" if ratio is None else f"{ratio:.2f}×")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 3 and ratio is not None and abs(ratio - 1) > AGREEMENT:
                    item.setForeground(OFF_COLOUR)
                    item.setToolTip(f"more than {AGREEMENT:.0%} from the estimate")
                self.setItem(r, c, item)
        if self.profile is not None:
            self.setToolTip(f"measured on the board in window #{self.profile.seq} (the profiler's own "
                            f"{self.profile.overhead_us:,} µs left out); estimated by validation")
        # tall enough for every row (a pipeline has a handful of nodes), no scrolling
        shown = min(len(self.rows), MAX_ROWS_SHOWN)
        self.setFixedHeight(self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
                            + shown * self.verticalHeader().defaultSectionSize())
        self.setVisible(bool(self.rows))
