"""Tidy layout: a layered left-to-right placement by topological depth (Qt-free arithmetic).

Column = the longest path from a source (so data flows left to right); within a column, nodes
are ordered by the mean row of what feeds them, which keeps most wires short and uncrossed.
"""
from __future__ import annotations

from studio.core.graph import Graph

COLUMN_STEP = 280
ROW_STEP = 150


def tidy_positions(graph: Graph, origin: tuple[int, int] = (0, 0)) -> dict[str, tuple[int, int]]:
    order, cyclic = graph.topological_order()
    depth: dict[str, int] = {}
    for node_id in order + cyclic:
        feeders = [e.src for e in graph.edges_into(node_id) if e.src in depth]
        depth[node_id] = 1 + max((depth[f] for f in feeders), default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in order + cyclic:
        columns.setdefault(depth[node_id], []).append(node_id)
    row: dict[str, float] = {}
    out: dict[str, tuple[int, int]] = {}
    for col in sorted(columns):
        ids = columns[col]

        def weight(node_id: str) -> tuple[float, str]:
            rows = [row[e.src] for e in graph.edges_into(node_id) if e.src in row]
            return (sum(rows) / len(rows) if rows else float(ids.index(node_id)), node_id)

        for i, node_id in enumerate(sorted(ids, key=weight)):
            row[node_id] = i
            out[node_id] = (origin[0] + col * COLUMN_STEP, origin[1] + i * ROW_STEP)
    return out
