"""The NodeGraphQt canvas as a *view* of the core graph.

Node classes are generated from the node specs at run time (``node_class_for``). The viewer's
gesture signals (wire, slice, move, drop, tab search, rename) are taken away from NodeGraphQt's own
handlers, which would edit NodeGraphQt's model and its private undo stack, and turned into our
undoable commands on the core graph. The canvas changes only when the core graph tells it to
(its events), so undo, load and replace look the same as an edit. After every wire gesture the
pipes are re-synchronised with the core edges, because the viewer deletes and draws pipe items
itself before it asks.

A large graph (more than ``LAZY_ABOVE`` nodes) is drawn with a level of detail: every node first
gets a plain rectangle (a placeholder: no ports, caption or badge), and a full NodeGraphQt node is
made only for a node the user can see (with its wired neighbours, so its wires are drawn) when few
enough are in view, and for any node an action needs (select, centre on, find from a report).
The core graph stays the one source of truth; NodeGraphQt's per-node setup (~2.5 ms) made opening
10,000 nodes take ~50 s.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsSimpleTextItem, QToolTip

from nodes.base import NodeError, NodeType, catalogue, node_type
from studio.core.errors import GraphError, StudioError
from studio.core.graph import Edge, GraphEvent
from studio.core.validate import Report
from studio.ui.commands import MoveNodes, NewNode, AddNodes, Rewire
from studio.ui.document import Document
from studio.ui.qtload import load_nodegraphqt

PALETTE_MIME_PREFIX = "tinyml-node:"

CATEGORY_COLOURS = {
    "sensors": (34, 92, 64),
    "dsp": (32, 66, 108),
    "model": (86, 52, 118),
    "quantize": (118, 80, 30),
    "outputs": (26, 92, 100),
}
SEVERITY_COLOURS = {"error": QColor(220, 50, 47), "warning": QColor(230, 160, 20)}
EMPHASIS_COLOUR = QColor(90, 170, 255)


def node_class_for(spec: type[NodeType]):
    """A NodeGraphQt node class for one node spec: ports from the spec, colour from its category."""
    BaseNode = load_nodegraphqt().BaseNode
    category, _, name = spec.type_id.partition(".")
    colour = CATEGORY_COLOURS.get(category, (60, 60, 60))

    def __init__(self):
        BaseNode.__init__(self)
        for port in spec.inputs:
            self.add_input(port.name, multi_input=False)
        for port in spec.outputs:
            self.add_output(port.name, multi_output=True)
        self.set_color(*colour)

    class_name = re.sub(r"\W", "_", name) or "node"
    return type(class_name, (BaseNode,), {"__identifier__": f"tinyml.{category}", "NODE_NAME": spec.title,
                                          "TYPE_ID": spec.type_id, "__init__": __init__})


class IssueMarker(QGraphicsItem):
    """A thick outline round a node with problems and a badge with their count; the badge
    carries the messages as its tooltip. It ignores the mouse so the node stays draggable."""

    BADGE = 22.0

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.severity: str | None = None
        self.count = 0
        self.emphasized = False  # its share is hovered in a budget bar
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(5)

    def set_state(self, severity: str | None, count: int, tooltip: str) -> None:
        self.prepareGeometryChange()
        self.severity, self.count = severity, count
        self.setToolTip(tooltip)
        self.setVisible(severity is not None or self.emphasized)
        self.update()

    def set_emphasis(self, on: bool) -> None:
        self.emphasized = on
        self.setVisible(self.severity is not None or on)
        self.update()

    def _node_rect(self) -> QRectF:
        return self.parentItem().boundingRect()

    def _badge_rect(self) -> QRectF:
        r = self._node_rect()
        return QRectF(r.right() - self.BADGE * 0.6, r.top() - self.BADGE * 0.4, self.BADGE, self.BADGE)

    def boundingRect(self) -> QRectF:
        return self._node_rect().adjusted(-4, -4, 4, 4).united(self._badge_rect().adjusted(-2, -2, 2, 2))

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self._badge_rect())
        return path

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        if self.emphasized:
            painter.setPen(QPen(EMPHASIS_COLOUR, 2.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self._node_rect().adjusted(-5, -5, 5, 5), 8, 8)
        if self.severity is None:
            return
        colour = SEVERITY_COLOURS[self.severity]
        painter.setPen(QPen(colour, 3.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(self._node_rect().adjusted(-2, -2, 2, 2), 6, 6)
        painter.setPen(QPen(QColor(255, 255, 255), 1.5))
        painter.setBrush(QBrush(colour))
        badge = self._badge_rect()
        painter.drawEllipse(badge)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(9)
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "!" if self.count <= 1 else str(self.count))


class Canvas(QObject):
    status = Signal(str)               # a message for the status bar (why a wire was refused...)
    selection_changed = Signal(list)   # core node ids
    hovered = Signal(object)           # core node id under the mouse, or None
    drop_files = Signal(list)          # local file paths dropped on the canvas
    add_requested = Signal(str, object)  # type_id, scene position (QPointF)

    LAZY_ABOVE = 500          # graphs up to this many nodes get every full node at once
    MATERIALISE_BATCH = 150   # at most this many nodes in view are made full nodes (else placeholders)
    PLACEHOLDER_SIZE = (160, 60)

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        ngqt = load_nodegraphqt()
        self.doc = document
        self.ng = ngqt.NodeGraph()
        self.ng.set_acyclic(False)  # cycles are refused by the core graph, with its reason
        # NodeGraphQt makes each new name unique by listing every node's name: quadratic when a
        # project opens. Our names are the core ids, unique already.
        self.ng.get_unique_name = lambda name: " ".join(name.split())
        self._index: tuple[Report | None, dict] = (None, {})
        self.viewer = self.ng.viewer()
        self._identifier: dict[str, str] = {}
        self._type_of_identifier: dict[str, str] = {}
        for spec in catalogue():
            cls = node_class_for(spec)
            self.ng.register_node(cls)
            self._identifier[spec.type_id] = cls.type_
            self._type_of_identifier[cls.type_] = spec.type_id
        self._ng_of: dict[str, object] = {}     # core id -> NodeGraphQt node
        self._core_of: dict[str, str] = {}      # NodeGraphQt id -> core id
        self._markers: dict[str, IssueMarker] = {}
        self._captions: dict[str, QGraphicsSimpleTextItem] = {}
        self.caption_colour = QColor(170, 175, 185)
        self._hover: str | None = None
        self._placeholders: dict[str, QGraphicsRectItem] = {}   # core id -> rectangle (not yet a full node)
        self._lazy = False
        self._seen_rect: QRectF | None = None
        self._materialise_timer = QTimer(self)
        self._materialise_timer.setSingleShot(True)
        self._materialise_timer.setInterval(0)
        self._materialise_timer.timeout.connect(self.materialise_visible)
        self._take_over_viewer_signals()
        # NodeGraphQt's own Undo/Redo act on its private stack and would make Ctrl+Z ambiguous
        for action in (self.viewer.qaction_for_undo(), self.viewer.qaction_for_redo()):
            if action is not None:
                action.setShortcuts([])
                self.viewer.context_menus()["graph"].removeAction(action)
        self.ng.node_selection_changed.connect(lambda *_: self.selection_changed.emit(self.selected_ids()))
        self.viewer.viewport().setMouseTracking(True)
        self.viewer.viewport().installEventFilter(self)
        self.doc.graph.subscribe(self._on_core_event)
        self.rebuild()

    @property
    def widget(self):
        return self.viewer

    # ---- NodeGraphQt gestures -> core commands ------------------------------------------------
    def _take_over_viewer_signals(self) -> None:
        v, ng = self.viewer, self.ng
        for signal, theirs, ours in (
                (v.connection_changed, ng._on_connection_changed, self._on_wires_changed),
                (v.connection_sliced, ng._on_connection_sliced, lambda ports: self._on_wires_changed(ports, [])),
                (v.moved_nodes, ng._on_nodes_moved, self._on_nodes_moved),
                (v.node_name_changed, ng._on_node_name_changed, self._on_name_edited),
                (v.insert_node, ng._on_insert_node, lambda *a: self.resync_edges()),
                (v.search_triggered, ng._on_search_triggered, self._on_search),
                (v.data_dropped, ng._on_node_data_dropped, self._on_dropped)):
            signal.disconnect(theirs)
            signal.connect(ours)

    def _edge_of(self, a, b) -> Edge:
        out_item, in_item = (a, b) if a.port_type == "out" else (b, a)
        return Edge(self._core_of[out_item.node.id], out_item.name, self._core_of[in_item.node.id], in_item.name)

    def _on_wires_changed(self, disconnected, connected) -> None:
        off = [self._edge_of(a, b) for a, b in disconnected]
        on = [self._edge_of(a, b) for a, b in connected]
        off = [e for e in off if e in self.doc.graph.edges]
        try:
            if on or off:
                self.doc.execute(Rewire(self.doc.graph, off, on, "connect" if on else "disconnect"))
        except GraphError as e:
            self.status.emit(e.message)
            # also where the user is looking: at the end of the wire they just let go of
            QToolTip.showText(QCursor.pos(), e.message, self.viewer)
        finally:
            self.resync_edges()

    def _on_nodes_moved(self, moved: dict) -> None:
        moves = {}
        for view, prev in moved.items():
            core_id = self._core_of.get(view.id)
            if core_id is None:
                continue
            new = (round(view.xy_pos[0]), round(view.xy_pos[1]))
            node = self.doc.graph.node(core_id)
            old = (node.ui.get("x", round(prev[0])), node.ui.get("y", round(prev[1])))
            if old != new:
                moves[core_id] = (old, new)
        if moves:
            self.doc.execute(MoveNodes(self.doc.graph, moves))

    def _on_name_edited(self, ng_id: str, _name: str) -> None:
        core_id = self._core_of.get(ng_id)
        if core_id:
            self._ng_of[core_id].view.name = self._label(core_id)
            self._ng_of[core_id].view.draw_node()

    def _on_search(self, identifier: str, pos) -> None:
        type_id = self._type_of_identifier.get(identifier)
        if type_id:
            self.add_requested.emit(type_id, QPointF(pos[0], pos[1]))

    def _on_dropped(self, mime, pos) -> None:
        if mime.hasText() and mime.text().startswith(PALETTE_MIME_PREFIX):
            self.add_requested.emit(mime.text()[len(PALETTE_MIME_PREFIX):], QPointF(pos.x(), pos.y()))
        elif mime.hasUrls():
            self.drop_files.emit([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])

    NODE_STEP_X = 260   # beside a node: its width plus room for the wire
    NODE_STEP_Y = 130   # below one: its height plus its caption

    def add_node(self, type_id: str, pos: QPointF | None = None) -> str:
        """Adds a node of ``type_id`` (undoable) centred on ``pos``. Without ``pos`` (a double-click
        in the palette) it goes beside the one selected node, wired to it when the ports fit, or to
        a free spot at the view's centre: never on top of another node."""
        graph = self.doc.graph
        selected = self.selected_ids()
        anchor = graph.node(selected[0]) if len(selected) == 1 and graph.has_node(selected[0]) else None
        edges: list[Edge] = []
        node_id = graph.new_id(type_id)
        if pos is not None:
            xy = (round(pos.x() - 80), round(pos.y() - 30))
        elif anchor is not None:
            xy = self.free_spot(anchor.ui.get("x", 0) + self.NODE_STEP_X, anchor.ui.get("y", 0))
            try:
                spec, anchor_spec = node_type(type_id), anchor.spec
            except (NodeError, StudioError):
                spec = anchor_spec = None
            if spec is not None and spec.inputs and anchor_spec.outputs:
                edge = Edge(anchor.id, anchor_spec.outputs[0].name, node_id, spec.inputs[0].name)
                taken = any(e.src == anchor.id and e.src_port == edge.src_port for e in graph.edges)
                fits = set(anchor_spec.outputs[0].dtypes) & set(spec.inputs[0].dtypes)
                if fits and not taken:
                    edges.append(edge)
        else:
            c = self.viewer.mapToScene(self.viewer.viewport().rect().center())
            xy = self.free_spot(round(c.x() - 80), round(c.y() - 30))
        title = getattr(_spec_or_none(type_id), "title", type_id)
        cmd = AddNodes(graph, [NewNode(type_id, {}, node_id, {"x": xy[0], "y": xy[1]})], edges,
                       text=f"add {title}")
        try:
            self.doc.execute(cmd)
        except GraphError:
            if not edges:
                raise
            cmd = AddNodes(graph, [NewNode(type_id, {}, node_id, {"x": xy[0], "y": xy[1]})], text=f"add {title}")
            self.doc.execute(cmd)
        self.select(cmd.added_ids)
        return cmd.added_ids[0]

    def free_spot(self, x: int, y: int) -> tuple[int, int]:
        """(x, y), or the first spot below it that no node occupies."""
        taken = [(n.ui.get("x", 0), n.ui.get("y", 0)) for n in self.doc.graph.nodes]
        while any(abs(x - tx) < self.NODE_STEP_X * 0.8 and abs(y - ty) < self.NODE_STEP_Y * 0.8 for tx, ty in taken):
            y += self.NODE_STEP_Y
        return int(x), int(y)

    # ---- core events -> canvas ----------------------------------------------------------------
    def _on_core_event(self, event: GraphEvent) -> None:
        if event.kind == "reset":
            self.rebuild()
        elif event.kind == "node_added":
            self._create(event.node_id)
            self._connect_edges_of([event.node_id])
        elif event.kind == "node_removed":
            self._destroy(event.node_id)
        elif event.kind == "edge_added":
            out, inp = self._ports(event.edge)
            if out is not None and out not in inp.connected_ports():
                out.connect_to(inp, push_undo=False, emit_signal=False)
        elif event.kind == "edge_removed":
            out, inp = self._ports(event.edge)
            if out is not None and out in inp.connected_ports():
                out.disconnect_from(inp, push_undo=False, emit_signal=False)
        elif event.kind == "ui_changed":
            node = self._ng_of.get(event.node_id)
            ui = self.doc.graph.node(event.node_id).ui
            rect = self._placeholders.get(event.node_id)
            if rect is not None and "x" in ui:
                rect.setPos(ui["x"], ui["y"])
            if node is not None and "x" in ui and tuple(node.view.xy_pos) != (ui["x"], ui["y"]):
                node.view.xy_pos = [ui["x"], ui["y"]]
                for port in node.view.inputs + node.view.outputs:
                    port.redraw_connected_pipes()

    def rebuild(self) -> None:
        for core_id in list(self._ng_of) + list(self._placeholders):
            self._destroy(core_id)
        self._lazy = len(self.doc.graph.nodes) > self.LAZY_ABOVE
        self._seen_rect = None
        if self._lazy:
            for node in self.doc.graph.nodes:
                self._place(node.id)
            self._materialise_timer.start()
            return
        for node in self.doc.graph.nodes:
            self._create(node.id)
        for e in self.doc.graph.edges:
            out, inp = self._ports(e)
            if out is not None:
                out.connect_to(inp, push_undo=False, emit_signal=False)

    # ---- level of detail (large graphs) -------------------------------------------------------
    def _place(self, core_id: str) -> None:
        node = self.doc.graph.node(core_id)
        if node.type_id not in self._identifier:
            return
        w, h = self.PLACEHOLDER_SIZE
        rect = QGraphicsRectItem(0, 0, w, h)
        colour = QColor(*CATEGORY_COLOURS.get(node.type_id.split(".")[0], (60, 60, 60)))
        rect.setBrush(QBrush(colour))
        rect.setPen(QPen(colour.lighter(140), 1))
        rect.setPos(node.ui.get("x", 0), node.ui.get("y", 0))
        rect.setZValue(-1)
        rect.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        rect.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)   # by a rubber band or Select all
        self.viewer.scene().addItem(rect)
        self._placeholders[core_id] = rect

    def is_materialised(self, core_id: str) -> bool:
        return core_id in self._ng_of

    def materialise(self, core_ids) -> list[str]:
        """Makes full nodes of those of ``core_ids`` that are placeholders (with their wires to full
        nodes); returns the ids made."""
        made = [cid for cid in dict.fromkeys(core_ids) if cid in self._placeholders]
        if not made:
            return []
        report = self.doc.report
        index = self._report_index(report) if report else {"specs": {}, "issues": {}}
        for cid in made:
            rect = self._placeholders.pop(cid)
            was_selected = rect.isSelected()
            self.viewer.scene().removeItem(rect)
            self._create(cid)
            if cid in self._ng_of:
                self._apply_report(cid, index, report)
                if was_selected:
                    self._ng_of[cid].set_selected(True)
        self._connect_edges_of(made)
        return made

    def _connect_edges_of(self, core_ids) -> None:
        ids = set(core_ids)
        for e in self.doc.graph.edges:
            if e.src in ids or e.dst in ids:
                out, inp = self._ports(e)
                if out is not None and out not in inp.connected_ports():
                    out.connect_to(inp, push_undo=False, emit_signal=False)

    def _visible_rect(self) -> QRectF:
        return self.viewer.mapToScene(self.viewer.viewport().rect()).boundingRect()

    def materialise_visible(self) -> list[str]:
        """Full nodes for the placeholders in view (and their wired neighbours), when no more than
        ``MATERIALISE_BATCH`` are in view; zoomed out further they stay rectangles."""
        if not self._placeholders:
            return []
        view = self._visible_rect()
        self._seen_rect = view
        w, h = self.PLACEHOLDER_SIZE
        margin = view.adjusted(-w, -h, w, h)
        inside = [cid for cid, rect in self._placeholders.items() if margin.contains(rect.pos())]
        if not inside or len(inside) > self.MATERIALISE_BATCH:
            return []
        wanted = set(inside)
        for e in self.doc.graph.edges:
            if e.src in wanted or e.dst in wanted:
                inside += [e.src, e.dst]
        return self.materialise(inside)

    def full_node_count(self) -> int:
        return len(self._ng_of)

    def _label(self, core_id: str) -> str:
        return core_id

    def _caption_text(self, core_id: str, report: Report | None) -> str:
        node = self.doc.graph.node(core_id)
        try:
            lines = [node.title]
        except NodeError:
            lines = [node.type_id]
        if report is not None:
            lines += [spec.describe() for _port, spec in self._report_index(report)["specs"].get(core_id, ())][:1]
        return "\n".join(lines)

    def _report_index(self, report: Report) -> dict[str, dict[str, list]]:
        """The report's port specs and issues grouped by node, built once per report: looking them
        up node by node in the whole report made opening a large project quadratic."""
        if self._index[0] is not report:
            specs: dict[str, list] = {}
            for (node_id, port), spec in sorted(report.specs.items()):
                specs.setdefault(node_id, []).append((port, spec))
            issues: dict[str, list] = {}
            for issue in report.issues:
                issues.setdefault(issue.node, []).append(issue)
            self._index = (report, {"specs": specs, "issues": issues})
        return self._index[1]

    def _create(self, core_id: str) -> None:
        node = self.doc.graph.node(core_id)
        identifier = self._identifier.get(node.type_id)
        if identifier is None:
            return
        ng_node = self.ng.create_node(identifier, name=self._label(core_id), selected=False,
                                      pos=[node.ui.get("x", 0), node.ui.get("y", 0)], push_undo=False)
        self._ng_of[core_id] = ng_node
        self._core_of[ng_node.id] = core_id
        self._markers[core_id] = IssueMarker(ng_node.view)
        self._markers[core_id].set_state(None, 0, "")
        caption = QGraphicsSimpleTextItem(self._caption_text(core_id, self.doc.report), ng_node.view)
        font = QFont(caption.font())
        font.setPointSizeF(7.5)
        caption.setFont(font)
        caption.setBrush(QBrush(self.caption_colour))
        caption.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        caption.setPos(2, ng_node.view.boundingRect().height() + 3)
        self._captions[core_id] = caption

    def _destroy(self, core_id: str) -> None:
        rect = self._placeholders.pop(core_id, None)
        if rect is not None:
            self.viewer.scene().removeItem(rect)
        ng_node = self._ng_of.pop(core_id, None)
        self._markers.pop(core_id, None)
        self._captions.pop(core_id, None)
        if ng_node is not None:
            self._core_of.pop(ng_node.id, None)
            self.ng.remove_node(ng_node, push_undo=False)

    def _ports(self, e: Edge):
        src, dst = self._ng_of.get(e.src), self._ng_of.get(e.dst)
        if src is None or dst is None:
            return None, None
        out, inp = src.outputs().get(e.src_port), dst.inputs().get(e.dst_port)
        return (out, inp) if out is not None and inp is not None else (None, None)

    def resync_edges(self) -> None:
        """Makes NodeGraphQt's connections and pipe items match the core edges exactly."""
        core = {(e.src, e.src_port, e.dst, e.dst_port) for e in self.doc.graph.edges}
        for dst_id, ng_node in self._ng_of.items():
            for in_name, inp in ng_node.inputs().items():
                for out in inp.connected_ports():
                    key = (self._core_of.get(out.node().id), out.name(), dst_id, in_name)
                    if key not in core:
                        out.disconnect_from(inp, push_undo=False, emit_signal=False)
        for e in self.doc.graph.edges:
            out, inp = self._ports(e)
            if out is not None and out not in inp.connected_ports():
                out.connect_to(inp, push_undo=False, emit_signal=False)
        for ng_node in self._ng_of.values():
            for inp in ng_node.inputs().values():
                wanted = {p.view for p in inp.connected_ports()}
                drawn = set(inp.view.connected_ports)
                for item in drawn - wanted:
                    inp.view.disconnect_from(item)
                for item in wanted - drawn:
                    inp.view.connect_to(item)

    # ---- selection, view ----------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        ids = [self._core_of[n.id] for n in self.ng.selected_nodes() if n.id in self._core_of]
        return ids + [cid for cid, rect in self._placeholders.items() if rect.isSelected()]

    def select(self, core_ids: list[str]) -> None:
        """Selects those nodes; in a large graph a selection of more than ``MATERIALISE_BATCH``
        (Select all) stays on the rectangles instead of making every node a full one."""
        if len(core_ids) <= self.MATERIALISE_BATCH:
            self.materialise(core_ids)
        self.ng.clear_selection()
        for rect in self._placeholders.values():
            if rect.isSelected():
                rect.setSelected(False)
        for core_id in core_ids:
            if core_id in self._ng_of:
                self._ng_of[core_id].set_selected(True)
            elif core_id in self._placeholders:
                self._placeholders[core_id].setSelected(True)
        self.selection_changed.emit(self.selected_ids())

    def center_on(self, core_id: str) -> None:
        self.materialise([core_id])
        if core_id in self._ng_of:
            self.select([core_id])
            self.viewer.centerOn(self._ng_of[core_id].view)

    def zoom_to_fit(self) -> None:
        views = [n.view for n in self._ng_of.values()] + list(self._placeholders.values())
        if not views:
            return
        rect = views[0].sceneBoundingRect()
        for v in views[1:]:
            rect = rect.united(v.sceneBoundingRect())
        margin = 50
        rect = rect.adjusted(-margin, -margin, margin, margin)
        # NodeGraphQt keeps its zoom as the scene range it fits into the view (also on resize)
        self.viewer.set_scene_rect([rect.x(), rect.y(), rect.width(), rect.height()])

    def view_of(self, core_id: str):
        self.materialise([core_id])
        return self._ng_of[core_id].view

    def positions(self) -> dict[str, tuple[int, int]]:
        out = {cid: (round(n.view.xy_pos[0]), round(n.view.xy_pos[1])) for cid, n in self._ng_of.items()}
        out.update({cid: (round(r.pos().x()), round(r.pos().y())) for cid, r in self._placeholders.items()})
        return out

    # ---- validation -> badges and tooltips ---------------------------------------------------
    def show_report(self, report: Report | None) -> None:
        index = self._report_index(report) if report else {"specs": {}, "issues": {}}
        for core_id in self._ng_of:
            self._apply_report(core_id, index, report)

    def _apply_report(self, core_id: str, index: dict, report: Report | None) -> None:
        ng_node = self._ng_of[core_id]
        issues = index["issues"].get(core_id, [])
        errors = [i for i in issues if i.severity == "error"]
        warnings = [i for i in issues if i.severity == "warning"]
        severity = "error" if errors else "warning" if warnings else None
        shown = errors + warnings
        lines = [f"<b>{_esc(self._label(core_id))}</b> <i>({_esc(self.doc.graph.node(core_id).type_id)})</i>"]
        lines += [f"<span style='color:{SEVERITY_COLOURS[i.severity].name()}'>{i.severity}: {_esc(i.message)}</span>"
                  for i in shown]
        if report:
            lines += _shares(report, core_id, index["specs"].get(core_id, ()))
        tip = "<br/>".join(lines)
        ng_node.view.setToolTip(tip)
        self._markers[core_id].set_state(severity, len(shown), tip)
        self._captions[core_id].setText(self._caption_text(core_id, report))

    def set_caption_colour(self, colour: QColor) -> None:
        self.caption_colour = colour
        for caption in self._captions.values():
            caption.setBrush(QBrush(colour))

    def emphasize(self, core_id: str | None) -> None:
        """Outlines one node (its share is hovered in a budget bar); None clears it."""
        if core_id is not None:
            self.materialise([core_id])
        for node_id, marker in self._markers.items():
            marker.set_emphasis(node_id == core_id)

    def emphasized(self) -> list[str]:
        return [node_id for node_id, marker in self._markers.items() if marker.emphasized]

    def marker_state(self, core_id: str) -> tuple[str | None, int]:
        self.materialise([core_id])
        m = self._markers[core_id]
        return m.severity, m.count

    # ---- hover ------------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if self._placeholders and event.type() == QEvent.Type.Paint:
            if self._seen_rect != self._visible_rect() and not self._materialise_timer.isActive():
                self._materialise_timer.start()   # after this paint: the scroll/zoom has settled
        if event.type() == QEvent.Type.MouseMove:
            scene_pos = self.viewer.mapToScene(event.position().toPoint())
            found = None
            for item in self.viewer.scene().items(scene_pos):
                core_id = self._core_of.get(getattr(item, "id", None)) if hasattr(item, "id") else None
                if core_id:
                    found = core_id
                    break
            if found != self._hover:
                self._hover = found
                self.hovered.emit(found)
        elif event.type() == QEvent.Type.Leave and self._hover is not None:
            self._hover = None
            self.hovered.emit(None)
        return False


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shares(report: Report, core_id: str, specs) -> list[str]:
    """The tooltip lines of one node: its ports' specs (``specs``: (port, spec) in order) and its
    share of RAM, flash and time."""
    out = [f"{_esc(port)}: {_esc(spec.describe())}" for port, spec in specs]
    ram = report.ram.by_node.get(core_id)
    flash = report.flash.by_node.get(core_id)
    us = report.latency.by_node_us.get(core_id)
    if ram is not None:
        out.append(f"RAM {ram:,} B ({ram / max(report.ram.budget_bytes, 1):.1%} of budget)")
    if flash is not None:
        out.append(f"flash {flash:,} B ({flash / max(report.flash.budget_bytes, 1):.1%} of budget)")
    if us is not None:
        out.append(f"time {us / 1000:.3f} ms per window")
    return out


def _spec_or_none(type_id: str):
    try:
        return node_type(type_id)
    except NodeError:
        return None
