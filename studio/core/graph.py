"""The pipeline graph: nodes with stable ids and typed properties, edges port to port.

This is the one source of truth; the editor and the CLI are views of it. Every edit goes through
a method here, checks its arguments, raises ``GraphError`` with a message a user can act on, and
notifies subscribers (the editor's canvas, its undo stack, live validation).
"""
from __future__ import annotations

import copy
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from nodes.base import NodeError, NodeType, node_type
from studio.core.errors import GraphError

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass
class Node:
    id: str
    type_id: str
    props: dict[str, Any]
    ui: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> type[NodeType]:
        return node_type(self.type_id)

    @property
    def title(self) -> str:
        return self.ui.get("title") or self.spec.title


@dataclass(frozen=True, order=True)
class Edge:
    src: str
    src_port: str
    dst: str
    dst_port: str

    def describe(self) -> str:
        return f"{self.src}.{self.src_port} → {self.dst}.{self.dst_port}"


@dataclass(frozen=True)
class GraphEvent:
    """``kind`` is one of: node_added, node_removed, edge_added, edge_removed, property_changed,
    ui_changed, reset."""

    kind: str
    node_id: str | None = None
    edge: Edge | None = None
    name: str | None = None
    old: Any = None
    new: Any = None


Listener = Callable[[GraphEvent], None]


class Graph:
    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: list[Edge] = []
        self._listeners: list[Listener] = []

    # ---- reading -------------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no node '{node_id}' in the graph") from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges if e.dst == node_id]

    def edges_from(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges if e.src == node_id]

    def new_id(self, type_id: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", type_id.split(".")[-1]) or "node"
        if not base[0].isalpha():
            base = "n" + base
        n = 1
        while f"{base}{n}" in self._nodes:
            n += 1
        return f"{base}{n}"

    # ---- notifications -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: GraphEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ---- editing -------------------------------------------------------------------------------
    def add_node(self, type_id: str, props: dict[str, Any] | None = None, node_id: str | None = None,
                 ui: dict[str, Any] | None = None) -> Node:
        try:
            spec = node_type(type_id)
            checked = spec.check_props(props or {})
        except NodeError as e:
            raise GraphError(f"cannot add {type_id}: {e.message}") from None
        if node_id is None:
            node_id = self.new_id(type_id)
        elif not _ID_RE.match(node_id):
            raise GraphError(f"node id '{node_id}' must start with a letter and use only letters, digits "
                             "and '_' (64 at most)")
        if node_id in self._nodes:
            raise GraphError(f"a node with id '{node_id}' already exists")
        node = Node(node_id, type_id, checked, dict(ui or {}))
        self._nodes[node_id] = node
        self._emit(GraphEvent("node_added", node_id=node_id))
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Removes the node and its edges; returns both so an undo can put them back."""
        node = self.node(node_id)
        removed = [e for e in self._edges if node_id in (e.src, e.dst)]
        for e in removed:
            self.disconnect(e)
        del self._nodes[node_id]
        self._emit(GraphEvent("node_removed", node_id=node_id, old=node))
        return node, removed

    def restore_node(self, node: Node, edges: Iterable[Edge] = ()) -> None:
        """Puts back a node removed by ``remove_node`` (undo), with its edges."""
        if node.id in self._nodes:
            raise GraphError(f"a node with id '{node.id}' already exists")
        self._nodes[node.id] = copy.deepcopy(node)
        self._emit(GraphEvent("node_added", node_id=node.id))
        for e in edges:
            self.connect(e.src, e.src_port, e.dst, e.dst_port)

    def connect(self, src: str, src_port: str, dst: str, dst_port: str) -> Edge:
        edge = Edge(src, src_port, dst, dst_port)
        reason = self.connection_problem(edge)
        if reason:
            raise GraphError(f"cannot connect {edge.describe()}: {reason}")
        self._edges.append(edge)
        self._emit(GraphEvent("edge_added", edge=edge))
        return edge

    def connection_problem(self, edge: Edge) -> str | None:
        """Why ``edge`` would be refused, or None. The editor asks this before it draws a wire."""
        if edge.src not in self._nodes:
            return f"there is no node '{edge.src}'"
        if edge.dst not in self._nodes:
            return f"there is no node '{edge.dst}'"
        if edge.src == edge.dst:
            return "a node cannot feed itself"
        src_t, dst_t = self._nodes[edge.src].spec, self._nodes[edge.dst].spec
        try:
            out_p = src_t.output_port(edge.src_port)
            in_p = dst_t.input_port(edge.dst_port)
        except NodeError as e:
            return e.message
        if edge in self._edges:
            return "they are already connected"
        taken = [e for e in self._edges if e.dst == edge.dst and e.dst_port == edge.dst_port]
        if taken:
            return f"input '{edge.dst_port}' of '{edge.dst}' is already fed by '{taken[0].src}'"
        if not set(out_p.dtypes) & set(in_p.dtypes):
            return (f"'{edge.src}' gives {'/'.join(out_p.dtypes)} but '{edge.dst}' takes "
                    f"{'/'.join(in_p.dtypes)}")
        if self._reaches(edge.dst, edge.src):
            return "that would make a cycle"
        return None

    def disconnect(self, edge: Edge) -> None:
        if edge not in self._edges:
            raise GraphError(f"{edge.describe()} is not connected")
        self._edges.remove(edge)
        self._emit(GraphEvent("edge_removed", edge=edge))

    def set_property(self, node_id: str, name: str, value: Any) -> Any:
        """Sets one property (checked against its declaration); returns the old value."""
        node = self.node(node_id)
        try:
            new = node.spec.param(name).coerce(value)
        except NodeError as e:
            raise GraphError(f"{node_id}: {e.message}") from None
        old = node.props.get(name)
        if old == new:
            return old
        node.props[name] = new
        self._emit(GraphEvent("property_changed", node_id=node_id, name=name, old=old, new=new))
        return old

    def set_ui(self, node_id: str, **values: Any) -> None:
        node = self.node(node_id)
        old = dict(node.ui)
        node.ui.update(values)
        self._emit(GraphEvent("ui_changed", node_id=node_id, old=old, new=dict(node.ui)))

    def replace_with(self, other: "Graph") -> None:
        """Takes the content of ``other`` (load, revert); subscribers stay and get one ``reset``."""
        self._nodes = other._nodes
        self._edges = other._edges
        self._emit(GraphEvent("reset"))

    # ---- loading without the edit checks (validation reports what is wrong) ---------------------
    def _load_node(self, node: Node) -> None:
        self._nodes[node.id] = node

    def _load_edge(self, edge: Edge) -> None:
        self._edges.append(edge)

    # ---- structure -----------------------------------------------------------------------------
    def _reaches(self, start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            cur = stack.pop()
            if cur == goal:
                return True
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(e.dst for e in self._edges if e.src == cur)
        return False

    def topological_order(self) -> tuple[list[str], list[str]]:
        """Node ids in data-flow order, and the ids caught in cycles (empty for a valid graph)."""
        indeg = {n: 0 for n in self._nodes}
        for e in self._edges:
            if e.src in indeg and e.dst in indeg:
                indeg[e.dst] += 1
        leaving: dict[str, list[str]] = {}   # edges grouped once (in edge order): linear, not quadratic
        for e in self._edges:
            if e.src in indeg and e.dst in indeg:
                leaving.setdefault(e.src, []).append(e.dst)
        ready = deque(n for n, d in indeg.items() if d == 0)
        order: list[str] = []
        while ready:
            cur = ready.popleft()
            order.append(cur)
            for dst in leaving.get(cur, ()):
                indeg[dst] -= 1
                if indeg[dst] == 0:
                    ready.append(dst)
        done = set(order)
        cyclic = [n for n in self._nodes if n not in done]
        return order, cyclic
