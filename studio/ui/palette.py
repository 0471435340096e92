"""The node palette: every registered node type by category, with a search box.

Double-click adds a node at the centre of the canvas; dragging carries the type id as text
(``tinyml-node:<type_id>``) which the canvas turns into a node where it is dropped.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from nodes.base import catalogue
from studio.ui.canvas import PALETTE_MIME_PREFIX

CATEGORY_TITLES = {"sensors": "Sensors", "dsp": "DSP", "model": "Model", "quantize": "Quantization",
                   "outputs": "Outputs"}


class PaletteTree(QTreeWidget):
    def startDrag(self, actions) -> None:
        item = self.currentItem()
        type_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if not type_id:
            return
        mime = QMimeData()
        mime.setText(PALETTE_MIME_PREFIX + type_id)
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


class Palette(QWidget):
    add_requested = Signal(str)  # type_id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search nodes…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setRootIsDecorated(True)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        groups: dict[str, QTreeWidgetItem] = {}
        for spec in catalogue():
            if getattr(spec, "retired", False):  # kept only so old projects open and say why
                continue
            cat = spec.category
            if cat not in groups:
                groups[cat] = QTreeWidgetItem(self.tree, [CATEGORY_TITLES.get(cat, cat.title())])
                groups[cat].setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(groups[cat], [spec.title])
            item.setData(0, Qt.ItemDataRole.UserRole, spec.type_id)
            item.setToolTip(0, f"<b>{spec.title}</b> <i>({spec.type_id})</i><br/>{spec.doc}")
            self.items[spec.type_id] = item
        self.tree.expandAll()
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_visible)

    def _on_double_click(self, item: QTreeWidgetItem, _col: int) -> None:
        type_id = item.data(0, Qt.ItemDataRole.UserRole)
        if type_id:
            self.add_requested.emit(type_id)

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for type_id, item in self.items.items():
            haystack = f"{item.text(0)} {type_id} {item.toolTip(0)}".lower()
            item.setHidden(not all(w in haystack for w in words))
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group.setHidden(all(group.child(j).isHidden() for j in range(group.childCount())))

    def visible_types(self) -> list[str]:
        return [t for t, item in self.items.items() if not item.isHidden()]

    def _add_first_visible(self) -> None:
        shown = self.visible_types()
        if shown:
            self.add_requested.emit(shown[0])
