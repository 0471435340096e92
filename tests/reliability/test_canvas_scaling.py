"""Opening a large project in the editor is linear in its nodes: the per-node work of the canvas
must not scan the whole graph or the whole report (that made 10,000 nodes take 404 s). Counted,
not timed: the figures are in bench/bench_canvas_open.py."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from studio.core.graph import Graph  # noqa: E402
from studio.core.project import Project  # noqa: E402

pytestmark = pytest.mark.slow


def _project(chains: int) -> Project:
    g = Graph()
    for c in range(chains):
        imu = g.add_node("sensors.accelerometer", {}, f"c{c}imu", {"x": 0, "y": 120 * c})
        win = g.add_node("dsp.window", {"window": 64, "hop": 32}, f"c{c}win", {"x": 220, "y": 120 * c})
        g.connect(imu.id, "out", win.id, "in")
    return Project("scaling", "nano33ble", g)


def _open_counting(qtbot, monkeypatch, chains: int) -> dict[str, int]:
    import studio.ui.canvas as canvas_module
    from NodeGraphQt.base.node import NodeObject

    from studio.ui.main_window import MainWindow

    counts = {"name": 0, "sorted": 0}
    real_name = NodeObject.name

    def name(self):
        counts["name"] += 1
        return real_name(self)

    def counting_sorted(*a, **k):
        counts["sorted"] += 1
        return sorted(*a, **k)
    monkeypatch.setattr(NodeObject, "name", name)
    monkeypatch.setattr(canvas_module, "sorted", counting_sorted, raising=False)
    window = MainWindow(_project(chains))
    qtbot.addWidget(window)
    window.doc.validate_now()
    monkeypatch.undo()
    window.doc.undo_stack.setClean()
    return counts


def test_opening_twice_the_nodes_does_at_most_twice_the_canvas_work(qtbot, monkeypatch):
    small = _open_counting(qtbot, monkeypatch, 40)
    large = _open_counting(qtbot, monkeypatch, 80)
    assert large["name"] <= 2.2 * max(small["name"], 1) + 10
    # the report is indexed once per validation, not sorted again for every node
    assert large["sorted"] <= small["sorted"] + 2
