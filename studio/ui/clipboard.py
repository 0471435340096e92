"""Copy and paste of nodes as JSON text on the system clipboard (never pickle).

Pasted text may come from anywhere, so it is read as plain data and every node still goes
through ``Graph.add_node`` (which checks type and properties) when the paste is applied.
"""
from __future__ import annotations

import json
from typing import Any

from studio.core.graph import Edge, Graph
from studio.ui.commands import NewNode

MARKER = "tinyml-studio-nodes"
PASTE_OFFSET = 40


def copy_text(graph: Graph, node_ids: list[str]) -> str:
    chosen = set(node_ids)
    nodes = []
    for node_id in sorted(chosen):
        n = graph.node(node_id)
        nodes.append({"id": n.id, "type": n.type_id, "props": n.props,
                      "x": n.ui.get("x", 0), "y": n.ui.get("y", 0)})
    edges = [[e.src, e.src_port, e.dst, e.dst_port] for e in sorted(graph.edges)
             if e.src in chosen and e.dst in chosen]
    return json.dumps({"format": MARKER, "nodes": nodes, "edges": edges}, sort_keys=True)


def paste_plan(graph: Graph, text: str, offset: int = PASTE_OFFSET) -> tuple[list[NewNode], list[Edge]] | None:
    """New nodes (fresh ids, shifted) and their inner edges, or None if ``text`` is not our copy."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != MARKER or not isinstance(data.get("nodes"), list):
        return None
    taken = {n.id for n in graph.nodes}
    new_ids: dict[str, str] = {}
    plan: list[NewNode] = []
    for raw in data["nodes"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            return None
        new_id = _fresh_id(graph, raw["type"], taken)
        taken.add(new_id)
        new_ids[str(raw.get("id"))] = new_id
        props = raw.get("props") if isinstance(raw.get("props"), dict) else {}
        plan.append(NewNode(raw["type"], dict(props), new_id,
                            {"x": _num(raw.get("x")) + offset, "y": _num(raw.get("y")) + offset}))
    edges = []
    for raw in data.get("edges", []):
        if isinstance(raw, list) and len(raw) == 4 and raw[0] in new_ids and raw[2] in new_ids:
            edges.append(Edge(new_ids[raw[0]], str(raw[1]), new_ids[raw[2]], str(raw[3])))
    return plan, edges


def _fresh_id(graph: Graph, type_id: str, taken: set[str]) -> str:
    base = graph.new_id(type_id)
    stem = base.rstrip("0123456789")
    n = int(base[len(stem):] or 1)
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _num(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e7 else 0
