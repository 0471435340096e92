"""The properties inspector: one editor widget per ``Param`` of the selected node, generated from
the declarations (limits, unit suffix, choices, bool, labels, project assets).

Every change becomes an undoable ``SetProperty``; the graph checks the value and a refusal is
shown under the form. The form follows the graph's events, so undo updates it too.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from nodes.base import NodeError, Param
from studio.core.errors import GraphError
from studio.core.graph import GraphEvent
from studio.ui.commands import SetProperty
from studio.ui.document import Document

INT_LIMIT = 2**31 - 1


class NumberBox(QDoubleSpinBox):
    """A float spin box that shows values like ``%g`` (1e-06, 16000) instead of fixed decimals."""

    def __init__(self):
        super().__init__()
        self.setDecimals(323)  # keep tiny values such as a 1e-30 log floor exact
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:
        return f"{value:.10g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip().removesuffix(self.suffix().strip()).strip() or 0)
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator

        body = text.strip()
        suffix = self.suffix().strip()
        if suffix and body.endswith(suffix):
            body = body[: -len(suffix)].strip()
        try:
            float(body)
            return QValidator.State.Acceptable, text, pos
        except ValueError:
            ok = body in ("", "-", "+", ".", "-.") or body.lower().endswith(("e", "e-", "e+"))
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos


class Inspector(QWidget):
    status = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.node_id: str | None = None
        self.editors: dict[str, QWidget] = {}
        self._setters: dict[str, Callable[[Any], None]] = {}
        outer = QVBoxLayout(self)
        self.header = QLabel("Select a node to see its properties.")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.header)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addWidget(self.form_host)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #dc322f;")
        outer.addWidget(self.error)
        self.ports = QLabel("")
        self.ports.setWordWrap(True)
        outer.addWidget(self.ports)
        outer.addStretch(1)
        self.doc.graph.subscribe(self._on_graph_event)
        self.doc.validated.connect(lambda _r: self._show_ports())

    # ---- which node ---------------------------------------------------------------------------
    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id if node_id and self.doc.graph.has_node(node_id) else None
        self.error.setText("")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        self._setters.clear()
        if self.node_id is None:
            self.header.setText("Select a node to see its properties.")
            self.ports.setText("")
            return
        node = self.doc.graph.node(self.node_id)
        try:
            spec = node.spec
        except NodeError as e:
            self.header.setText(f"<b>{self.node_id}</b>: {e.message}")
            return
        self.header.setText(f"<b>{spec.title}</b> · {self.node_id}<br/><i>{spec.type_id}</i>"
                            + (f"<br/>{spec.doc}" if spec.doc else ""))
        for param in spec.params:
            editor, setter = self._editor_for(param)
            editor.setToolTip(param.doc or param.name)
            self.editors[param.name] = editor
            self._setters[param.name] = setter
            setter(node.props.get(param.name, param.default))
            self.form.addRow(_label(param), editor)
        self._show_ports()

    def _show_ports(self) -> None:
        report = self.doc.report
        if self.node_id is None or report is None:
            self.ports.setText("")
            return
        lines = [f"{port}: {spec.describe()}" for (n, port), spec in sorted(report.specs.items()) if n == self.node_id]
        for i in report.issues_for(self.node_id):
            lines.append(f"{i.severity}: {i.message}")
        self.ports.setText("\n".join(lines))

    def _on_graph_event(self, event: GraphEvent) -> None:
        if event.kind == "property_changed" and event.node_id == self.node_id and event.name in self._setters:
            self._setters[event.name](event.new)
        elif event.kind in ("node_removed", "reset") and (self.node_id is None or not self.doc.graph.has_node(self.node_id)):
            self.show_node(None)

    # ---- editing ------------------------------------------------------------------------------
    def commit(self, name: str, value: Any) -> bool:
        """Sets property ``name`` of the shown node (undoable); a refusal is shown, not raised."""
        if self.node_id is None:
            return False
        node = self.doc.graph.node(self.node_id)
        if name in node.props and node.props[name] == value:
            # a text field reports "editing finished" again when it loses focus: that is no edit,
            # and must not make a just-saved project modified
            self.error.setText("")
            return True
        try:
            self.doc.execute(SetProperty(self.doc.graph, self.node_id, name, value))
        except GraphError as e:
            self.error.setText(e.message)
            self.status.emit(e.message)
            self._setters[name](self.doc.graph.node(self.node_id).props.get(name))
            return False
        self.error.setText("")
        return True

    def choose_asset(self, name: str, chosen: str) -> bool:
        """Takes a file the user picked for an asset property: it must be inside the project folder."""
        root = self.doc.project.dir
        if root is None:
            self.error.setText("save the project first: asset files live inside the project folder")
            return False
        full = Path(chosen).resolve()
        if root.resolve() not in full.parents:
            self.error.setText(f"'{chosen}' is outside the project folder ({root}); copy it into the folder "
                               "and choose that copy")
            self.status.emit(self.error.text())
            return False
        return self.commit(name, full.relative_to(root.resolve()).as_posix())

    def _editor_for(self, p: Param) -> tuple[QWidget, Callable[[Any], None]]:
        name = p.name
        suffix = f" {p.unit}" if p.unit else ""
        if p.kind == "asset":
            return self._asset_editor(p)
        if p.kind == "record":  # written by a tool (Optimize), not by hand
            label = QLabel()
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label, lambda v, w=label: w.setText(str(v) if v else "—")
        if p.choices is not None:
            box = QComboBox()
            for c in p.choices:
                box.addItem(f"{c}{suffix}", c)
            box.activated.connect(lambda i, b=box: self.commit(name, b.itemData(i)))
            return box, lambda v, b=box: _quiet(b, lambda: b.setCurrentIndex(max(0, b.findData(v))))
        if p.type is bool:
            box = QCheckBox()
            box.toggled.connect(lambda on: self.commit(name, bool(on)))
            return box, lambda v, b=box: _quiet(b, lambda: b.setChecked(bool(v)))
        if p.type is int:
            box = QSpinBox()
            box.setRange(int(p.min) if p.min is not None else -INT_LIMIT, int(p.max) if p.max is not None else INT_LIMIT)
            box.setSuffix(suffix)
            box.setKeyboardTracking(False)  # one edit per committed number, not per keystroke
            box.setAccelerated(True)
            box.valueChanged.connect(lambda v: self.commit(name, int(v)))
            return box, lambda v, b=box: _quiet(b, lambda: b.setValue(int(v)))
        if p.type is float:
            box = NumberBox()
            box.setRange(p.min if p.min is not None else -1e300, p.max if p.max is not None else 1e300)
            box.setSuffix(suffix)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda v: self.commit(name, float(v)))
            return box, lambda v, b=box: _quiet(b, lambda: b.setValue(float(v)) if math.isfinite(v) else None)
        if p.type is list:
            edit = QLineEdit()
            edit.setPlaceholderText("comma-separated, e.g. idle, wave, shake")
            edit.editingFinished.connect(
                lambda e=edit: self.commit(name, [s.strip() for s in e.text().split(",") if s.strip()]))
            return edit, lambda v, e=edit: _quiet(e, lambda: e.setText(", ".join(v or [])))
        edit = QLineEdit()
        edit.editingFinished.connect(lambda e=edit: self.commit(name, e.text()))
        return edit, lambda v, e=edit: _quiet(e, lambda: e.setText(str(v)))

    def _asset_editor(self, p: Param) -> tuple[QWidget, Callable[[Any], None]]:
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit()
        edit.setReadOnly(True)
        edit.setPlaceholderText("no file chosen")
        pick = QPushButton("Choose…")

        def browse():
            start = str(self.doc.project.dir or Path.home())
            chosen, _ = QFileDialog.getOpenFileName(self, f"Choose {p.name}", start)
            if chosen:
                self.choose_asset(p.name, chosen)

        pick.clicked.connect(browse)
        row.addWidget(edit, 1)
        row.addWidget(pick)
        return host, lambda v, e=edit: e.setText(str(v or ""))


def _label(p: Param) -> str:
    """The property's name for people: the unit already shows in the editor, so '_hz' goes."""
    name = p.name
    for unit_tail in ("_hz", "_ms", "_us", "_bytes", "_px"):
        if p.unit and name.endswith(unit_tail):
            name = name[: -len(unit_tail)]
    return name.replace("_", " ")


def _quiet(widget: QWidget, fn: Callable[[], Any]) -> None:
    """Sets a widget's value without it reporting the change back as an edit."""
    was = widget.blockSignals(True)
    try:
        fn()
    finally:
        widget.blockSignals(was)
