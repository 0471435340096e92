"""Undoable edits: one QUndoCommand per core graph operation (add, remove, rewire, set property,
move, switch board, replace).

Every command works only through ``studio.core.graph.Graph``'s public edit methods, so the canvas,
the inspector and live validation learn of undo and redo through the graph's events like of any
other edit. A command is applied once *before* it is pushed (``Document.execute``), so an edit
the graph refuses raises ``GraphError`` to the caller and never reaches the undo stack.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtGui import QUndoCommand

from studio.core.graph import Edge, Graph, Node


class GraphCommand(QUndoCommand):
    def __init__(self, text: str):
        super().__init__(text)
        self._applied_by_execute = False

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    # QUndoStack.push calls redo(); the first apply already happened in Document.execute.
    def redo(self) -> None:
        if self._applied_by_execute:
            self._applied_by_execute = False
            return
        self.apply()

    def undo(self) -> None:
        self.revert()


@dataclass
class NewNode:
    """A node to create: its type, properties, id and layout (positions in ``ui``)."""

    type_id: str
    props: dict[str, Any] = field(default_factory=dict)
    node_id: str | None = None
    ui: dict[str, Any] = field(default_factory=dict)


class AddNodes(GraphCommand):
    """Adds nodes and the edges between them (add from the palette, paste, duplicate)."""

    def __init__(self, graph: Graph, nodes: list[NewNode], edges: list[Edge] = (), text: str = "add node"):
        super().__init__(text)
        self.graph = graph
        self.nodes = nodes
        self.edges = list(edges)
        self.added_ids: list[str] = []

    def apply(self) -> None:
        self.added_ids = []
        try:
            for n in self.nodes:
                node = self.graph.add_node(n.type_id, n.props, n.node_id, n.ui)
                # fix the id so redo after undo recreates the very same node
                n.node_id = node.id
                self.added_ids.append(node.id)
            for e in self.edges:
                self.graph.connect(e.src, e.src_port, e.dst, e.dst_port)
        except Exception:
            self.revert()
            raise

    def revert(self) -> None:
        for node_id in reversed(self.added_ids):
            if self.graph.has_node(node_id):
                self.graph.remove_node(node_id)
        self.added_ids = []


class RemoveNodes(GraphCommand):
    def __init__(self, graph: Graph, node_ids: list[str], text: str = "delete"):
        super().__init__(text)
        self.graph = graph
        self.node_ids = list(node_ids)
        self.removed: list[tuple[Node, list[Edge]]] = []

    def apply(self) -> None:
        self.removed = [self.graph.remove_node(i) for i in self.node_ids]

    def revert(self) -> None:
        # reverse order: an edge between two removed nodes was stored with the first one removed
        for node, edges in reversed(self.removed):
            self.graph.restore_node(node, edges)
        self.removed = []


class Rewire(GraphCommand):
    """Disconnects some edges, then connects others: one wire gesture on the canvas."""

    def __init__(self, graph: Graph, disconnect: list[Edge], connect: list[Edge], text: str = "connect"):
        super().__init__(text)
        self.graph = graph
        self.disconnect = list(disconnect)
        self.connect = list(connect)

    def apply(self) -> None:
        done: list[tuple[str, Edge]] = []
        try:
            for e in self.disconnect:
                self.graph.disconnect(e)
                done.append(("off", e))
            for e in self.connect:
                self.graph.connect(e.src, e.src_port, e.dst, e.dst_port)
                done.append(("on", e))
        except Exception:
            self._undo_steps(done)
            raise

    def revert(self) -> None:
        self._undo_steps([("off", e) for e in self.disconnect] + [("on", e) for e in self.connect])

    def _undo_steps(self, done: list[tuple[str, Edge]]) -> None:
        for kind, e in reversed(done):
            if kind == "on":
                self.graph.disconnect(e)
            else:
                self.graph.connect(e.src, e.src_port, e.dst, e.dst_port)


class SetProperty(GraphCommand):
    def __init__(self, graph: Graph, node_id: str, name: str, value: Any):
        super().__init__(f"set {node_id}.{name}")
        self.graph = graph
        self.node_id = node_id
        self.name = name
        self.value = value
        self.old: Any = None

    def apply(self) -> None:
        self.old = self.graph.set_property(self.node_id, self.name, self.value)

    def revert(self) -> None:
        self.graph.set_property(self.node_id, self.name, self.old)


class SetProperties(GraphCommand):
    """Several properties of one node as one undo step (a tool's result, e.g. Optimize's model)."""

    def __init__(self, graph: Graph, node_id: str, values: dict[str, Any], text: str = ""):
        super().__init__(text or f"set {node_id}.{', '.join(values)}")
        self.graph = graph
        self.node_id = node_id
        self.values = dict(values)
        self.old: dict[str, Any] = {}

    def apply(self) -> None:
        done: dict[str, Any] = {}
        try:
            for name, value in self.values.items():
                done[name] = self.graph.set_property(self.node_id, name, value)
        except Exception:
            for name, old in reversed(list(done.items())):   # all or nothing
                self.graph.set_property(self.node_id, name, old)
            raise
        self.old = done

    def revert(self) -> None:
        for name, old in reversed(list(self.old.items())):
            self.graph.set_property(self.node_id, name, old)


class MoveNodes(GraphCommand):
    """Positions are whole scene units so the project file stays tidy and diffable."""

    def __init__(self, graph: Graph, moves: dict[str, tuple[tuple[int, int], tuple[int, int]]],
                 text: str = "move"):
        super().__init__(text)
        self.graph = graph
        self.moves = moves  # id -> (old xy, new xy)

    def apply(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            self.graph.set_ui(node_id, x=new[0], y=new[1])

    def revert(self) -> None:
        for node_id, (old, _new) in self.moves.items():
            self.graph.set_ui(node_id, x=old[0], y=old[1])


class SetValue(GraphCommand):
    """A project field outside the graph (the board): ``setter(value)`` both ways."""

    def __init__(self, text: str, getter: Callable[[], Any], setter: Callable[[Any], None], value: Any):
        super().__init__(text)
        self.getter, self.setter, self.value = getter, setter, value
        self.old: Any = None

    def apply(self) -> None:
        self.old = self.getter()
        self.setter(self.value)

    def revert(self) -> None:
        self.setter(self.old)


class ReplaceGraph(GraphCommand):
    """Takes the content of another graph (crash recovery); undo brings the previous content back."""

    def __init__(self, graph: Graph, other: Graph, text: str = "recover"):
        super().__init__(text)
        self.graph = graph
        self.other = other
        self.previous: Graph | None = None

    def apply(self) -> None:
        self.previous = _copy_graph(self.graph)
        self.graph.replace_with(_copy_graph(self.other))

    def revert(self) -> None:
        self.graph.replace_with(self.previous)


def _copy_graph(graph: Graph) -> Graph:
    """A deep copy through the project file format (the one serialisation we trust)."""
    from studio.core.project import Project, dumps, loads

    return loads(dumps(Project("copy", "copy", graph))).graph
