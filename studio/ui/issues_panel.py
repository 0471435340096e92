"""The validation panel: every issue of the latest report; clicking one selects and centres its node."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QStyledItemDelegate, QTreeWidget, QTreeWidgetItem

from studio.core.validate import Report

SEVERITY_TEXT = {"error": QColor(220, 50, 47), "warning": QColor(200, 140, 10), "info": QColor(90, 140, 200)}


class _WrappingDelegate(QStyledItemDelegate):
    """Row height for word-wrapped text: a tree view asks for it without the column's width,
    so long messages would be cut to one line."""

    def __init__(self, view: QTreeWidget):
        super().__init__(view)
        self.view = view

    def sizeHint(self, option, index) -> QSize:
        base = super().sizeHint(option, index)
        width = max(40, self.view.columnWidth(index.column()) - 8)
        text = str(index.data() or "")
        bound = option.fontMetrics.boundingRect(QRect(0, 0, width, 100000), int(Qt.TextFlag.TextWordWrap), text)
        return QSize(base.width(), max(base.height(), bound.height() + 4))


class IssuesPanel(QTreeWidget):
    node_activated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["", "node", "message"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(False)  # long messages wrap onto several lines
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setItemDelegateForColumn(2, _WrappingDelegate(self))
        self.header().sectionResized.connect(self._relayout)
        self.setColumnWidth(0, 70)
        self.setColumnWidth(1, 110)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def show_report(self, report: Report | None, failure: str = "") -> None:
        self.clear()
        if report is None:
            if failure:
                item = QTreeWidgetItem(self, ["error", "", failure])
                item.setForeground(0, QBrush(SEVERITY_TEXT["error"]))
            return
        for issue in report.issues:
            where = issue.node or ""
            if issue.port:
                where += f".{issue.port}"
            item = QTreeWidgetItem(self, [issue.severity, where, issue.message])
            item.setData(0, Qt.ItemDataRole.UserRole, issue.node)
            item.setForeground(0, QBrush(SEVERITY_TEXT[issue.severity]))
            item.setToolTip(2, issue.message)
        self.scheduleDelayedItemsLayout()

    def _relayout(self, *_args) -> None:
        self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # row heights depend on the message column's width once messages wrap
        self.scheduleDelayedItemsLayout()

    def _clicked(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        node = item.data(0, Qt.ItemDataRole.UserRole)
        if node:
            self.node_activated.emit(node)

    def messages(self) -> list[tuple[str, str | None, str]]:
        out = []
        for i in range(self.topLevelItemCount()):
            it = self.topLevelItem(i)
            out.append((it.text(0), it.data(0, Qt.ItemDataRole.UserRole), it.text(2)))
        return out
