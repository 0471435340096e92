"""Validating a large graph is linear in its edges: planning and ordering read the edge list a
fixed number of times, not once per node (that made a 10,000-node project take ~20 s to validate).
Counted, not timed: the figures are in bench/bench_canvas_open.py."""
from __future__ import annotations

from studio.core.graph import Edge, Graph
from studio.core.project import Project
from studio.core.validate import validate_project


def _project(chains: int) -> Project:
    g = Graph()
    for c in range(chains):
        imu = g.add_node("sensors.accelerometer", {}, f"c{c}imu", {"x": 0, "y": 120 * c})
        win = g.add_node("dsp.window", {"window": 64, "hop": 32}, f"c{c}win", {"x": 220, "y": 120 * c})
        g.connect(imu.id, "out", win.id, "in")
    return Project("scaling", "nano33ble", g)


def _edge_reads(monkeypatch, chains: int) -> int:
    """How many edges validation compares by their ends (Edge.dst/src reads)."""
    project = _project(chains)
    reads = {"n": 0}
    real_getattribute = Edge.__getattribute__

    def counting(self, name):
        if name in ("src", "dst"):
            reads["n"] += 1
        return real_getattribute(self, name)
    monkeypatch.setattr(Edge, "__getattribute__", counting)
    try:
        validate_project(project)
    finally:
        monkeypatch.setattr(Edge, "__getattribute__", real_getattribute)
    return reads["n"]


def test_validating_twice_the_nodes_reads_the_edges_at_most_about_twice_as_often(monkeypatch):
    small = _edge_reads(monkeypatch, 100)
    large = _edge_reads(monkeypatch, 200)
    assert large <= 2.3 * small + 50
