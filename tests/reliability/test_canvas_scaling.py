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


@pytest.fixture(scope="module")
def large_window(qapp):
    """A shown editor on 10,000 nodes (5,000 wired chains), opened once for the tests below."""
    from studio.ui.main_window import MainWindow

    window = MainWindow(_project(5000))
    window.resize(1000, 700)
    window.show()
    qapp.processEvents()
    yield window
    window.doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    qapp.processEvents()


def _bound(window) -> int:
    # the nodes in view plus their wired neighbours, at most
    return 2 * window.canvas.MATERIALISE_BATCH


def test_a_10000_node_project_opens_with_a_bounded_number_of_nodegraphqt_nodes(large_window):
    assert len(large_window.doc.graph.nodes) == 10000
    assert len(large_window.canvas.ng.all_nodes()) <= _bound(large_window)
    assert len(large_window.canvas.positions()) == 10000   # every node is drawn, most as a rectangle


def test_selecting_a_far_away_node_makes_it_a_full_node(large_window):
    far = "c4999win"
    large_window.canvas.select([far])
    assert large_window.canvas.is_materialised(far)
    assert large_window.canvas.selected_ids() == [far]
    assert len(large_window.canvas.ng.all_nodes()) <= _bound(large_window) + 1


def test_finding_a_far_away_node_from_the_issues_list_centres_on_its_full_node(large_window):
    far = "c4000imu"
    large_window.issues.node_activated.emit(far)
    canvas = large_window.canvas
    assert canvas.is_materialised(far)
    assert canvas.selected_ids() == [far]
    view = canvas.viewer.mapToScene(canvas.viewer.viewport().rect()).boundingRect()
    assert view.contains(canvas.view_of(far).sceneBoundingRect().center())


def test_zooming_into_a_region_of_a_large_graph_makes_its_nodes_full_with_their_wires(qtbot, large_window):
    canvas = large_window.canvas
    assert not canvas.is_materialised("c2500imu")
    canvas.viewer.set_scene_rect([-50, 120 * 2500 - 50, 600, 400])
    large_window.update()
    qtbot.waitUntil(lambda: canvas.is_materialised("c2500imu") and canvas.is_materialised("c2500win"), timeout=5000)
    imu, win = canvas._ng_of["c2500imu"], canvas._ng_of["c2500win"]
    assert imu.outputs()["out"] in win.inputs()["in"].connected_ports()


def test_a_small_project_gets_every_full_node_at_once(qtbot):
    from studio.ui.main_window import MainWindow

    window = MainWindow(_project(40))
    qtbot.addWidget(window)
    assert len(window.canvas.ng.all_nodes()) == 80
    assert not window.canvas._placeholders


def test_select_all_in_a_large_graph_selects_every_node_without_making_them_full_nodes(large_window):
    canvas = large_window.canvas
    large_window.act_select_all.trigger()
    assert len(canvas.selected_ids()) == 10000
    assert len(canvas.ng.all_nodes()) <= _bound(large_window) + 2
    canvas.select([])
    assert canvas.selected_ids() == []
