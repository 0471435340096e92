"""Edits made through the real widgets reach the core graph, and the canvas follows the core."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.graph import Edge
from tests.ui.helpers import drag_wire, drawn_pipes


def test_double_clicking_a_palette_entry_adds_that_node_to_the_core_graph(window, qtbot):
    tree = window.palette.tree
    item = window.palette.items["dsp.spectrum"]
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    added = [n for n in window.doc.graph.nodes if n.type_id == "dsp.spectrum"]
    assert len(added) == 1
    assert added[0].id in window.canvas._ng_of


def test_palette_search_hides_types_that_do_not_match(window, qtbot):
    window.activateWindow()
    window.palette.search.setFocus()
    qtbot.waitUntil(window.palette.search.hasFocus)
    QTest.keyClicks(window.palette.search, "fft")  # typed, so single-key shortcuts (F: fit) must not steal it
    assert window.palette.search.text() == "fft"
    assert window.palette.visible_types() == ["dsp.spectrum"]


def test_dragging_a_wire_between_ports_connects_them_in_the_core_graph(window, qtbot):
    window.add_node("outputs.serial")
    window.add_node("dsp.normalize")
    norm = next(n.id for n in window.doc.graph.nodes if n.type_id == "dsp.normalize")
    window.canvas.zoom_to_fit()
    qtbot.wait(20)
    drag_wire(window, "stats", "out", norm, "in")
    assert Edge("stats", "out", norm, "in") in window.doc.graph.edges
    assert ("stats", "out", norm, "in") in drawn_pipes(window)


def test_a_refused_wire_is_not_drawn_and_its_reason_is_shown(window, qtbot):
    before = set(window.doc.graph.edges)
    window.canvas.zoom_to_fit()
    qtbot.wait(20)
    drag_wire(window, "stats", "out", "window", "in")  # would close a loop
    assert set(window.doc.graph.edges) == before
    assert "cycle" in window.last_message
    assert "cycle" in window.statusBar().currentMessage()
    assert drawn_pipes(window) == {(e.src, e.src_port, e.dst, e.dst_port) for e in before}


def test_delete_key_on_the_canvas_removes_the_selected_node_and_its_edges(window, qtbot):
    window.activateWindow()
    window.canvas.select(["window"])
    window.canvas.viewer.setFocus()
    qtbot.waitUntil(lambda: window.canvas.viewer.hasFocus())
    QTest.keyClick(window.canvas.viewer, Qt.Key.Key_Delete)
    assert not window.doc.graph.has_node("window")
    assert all("window" not in (e.src, e.dst) for e in window.doc.graph.edges)
    assert "window" not in window.canvas._ng_of


def test_undo_of_a_delete_brings_the_node_and_its_wires_back_on_the_canvas(window):
    window.canvas.select(["window"])
    window.delete_selection()
    window.doc.undo_stack.undo()
    assert window.doc.graph.has_node("window")
    assert drawn_pipes(window) == {("imu", "out", "window", "in"), ("window", "out", "stats", "in")}


def test_moving_a_node_on_the_canvas_is_stored_in_the_core_and_undoable(window, qtbot):
    viewer = window.canvas.viewer
    view = window.canvas.view_of("stats")
    start = viewer.mapFromScene(view.sceneBoundingRect().center())
    end = start + type(start)(60, 40)
    QTest.mousePress(viewer.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    # QTest.mouseMove carries no buttons; a real drag does, so send the move the way Qt would
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(end), QPointF(viewer.viewport().mapToGlobal(end)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewer.viewport(), move)
    QTest.mouseRelease(viewer.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    ui = window.doc.graph.node("stats").ui
    assert (ui["x"], ui["y"]) != (480, 0)
    window.doc.undo_stack.undo()
    ui = window.doc.graph.node("stats").ui
    assert (ui["x"], ui["y"]) == (480, 0)
    assert tuple(round(v) for v in window.canvas.view_of("stats").xy_pos) == (480, 0)


def test_copy_then_paste_adds_fresh_nodes_with_their_inner_wire(window):
    window.canvas.select(["window", "stats"])
    window.copy_selection()
    window.paste()
    new = {n.id: n.type_id for n in window.doc.graph.nodes if n.id not in ("imu", "window", "stats")}
    assert sorted(new.values()) == ["dsp.stats", "dsp.window"]
    new_window = next(i for i, t in new.items() if t == "dsp.window")
    new_stats = next(i for i, t in new.items() if t == "dsp.stats")
    assert Edge(new_window, "out", new_stats, "in") in window.doc.graph.edges
    assert set(window.canvas.selected_ids()) == set(new)


def test_duplicate_then_undo_leaves_the_graph_as_it_was(window):
    before = {n.id for n in window.doc.graph.nodes}
    window.canvas.select(["stats"])
    window.duplicate_selection()
    assert len(window.doc.graph.nodes) == len(before) + 1
    window.doc.undo_stack.undo()
    assert {n.id for n in window.doc.graph.nodes} == before


def test_tidy_layout_puts_each_node_right_of_what_feeds_it(window):
    for node_id in ("imu", "window", "stats"):
        window.doc.graph.set_ui(node_id, x=0, y=0)
    window.tidy_layout()
    x = {n.id: n.ui["x"] for n in window.doc.graph.nodes}
    assert x["imu"] < x["window"] < x["stats"]


def test_dragging_a_wire_off_an_input_disconnects_it_in_the_core_graph(window, qtbot):
    from tests.ui.helpers import port_point

    window.canvas.zoom_to_fit()
    qtbot.wait(20)
    viewport = window.canvas.viewer.viewport()
    start = port_point(window, "window", "in", "in")
    away = start + type(start)(0, 150)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, away)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, away)
    assert Edge("imu", "out", "window", "in") not in window.doc.graph.edges
    assert ("imu", "out", "window", "in") not in drawn_pipes(window)
    window.doc.undo_stack.undo()
    assert Edge("imu", "out", "window", "in") in window.doc.graph.edges
    assert ("imu", "out", "window", "in") in drawn_pipes(window)


def test_dropping_a_palette_entry_on_the_canvas_adds_the_node_where_it_lands(window):
    from PySide6.QtCore import QMimeData

    from studio.ui.canvas import PALETTE_MIME_PREFIX
    from tests.ui.helpers import drop_on

    mime = QMimeData()
    mime.setText(PALETTE_MIME_PREFIX + "outputs.serial")
    viewport = window.canvas.viewer.viewport()
    at = viewport.rect().center()
    assert drop_on(viewport, mime)
    added = [n for n in window.doc.graph.nodes if n.type_id == "outputs.serial"]
    assert len(added) == 1
    view = window.canvas.view_of(added[0].id)
    landed = window.canvas.viewer.mapToScene(at)
    assert abs(view.xy_pos[0] + 80 - landed.x()) <= 1 and abs(view.xy_pos[1] + 30 - landed.y()) <= 1


def test_enter_in_the_palette_search_adds_the_first_match(window, qtbot):
    window.activateWindow()
    window.palette.search.setFocus()
    qtbot.waitUntil(window.palette.search.hasFocus)
    QTest.keyClicks(window.palette.search, "serial")
    QTest.keyClick(window.palette.search, Qt.Key.Key_Return)
    assert [n.type_id for n in window.doc.graph.nodes if n.type_id.startswith("outputs.")] == ["outputs.serial"]


def test_a_two_input_node_shows_both_ports_and_one_output_wires_into_each(window, qtbot):
    window.add_node("model.reconstruction_error")
    score = next(n.id for n in window.doc.graph.nodes if n.type_id == "model.reconstruction_error")
    ng = window.canvas._ng_of[score]
    assert list(ng.inputs()) == ["features", "reconstruction"] and list(ng.outputs()) == ["scores"]
    window.canvas.zoom_to_fit()
    qtbot.wait(20)
    drag_wire(window, "stats", "out", score, "features")
    drag_wire(window, "stats", "out", score, "reconstruction")  # the same output feeds a second input
    wired = {Edge("stats", "out", score, "features"), Edge("stats", "out", score, "reconstruction")}
    assert wired <= set(window.doc.graph.edges)
    assert {(e.src, e.src_port, e.dst, e.dst_port) for e in wired} <= drawn_pipes(window)
    window.doc.graph.disconnect(Edge("stats", "out", score, "reconstruction"))
    qtbot.waitUntil(lambda: ("stats", "out", score, "reconstruction") not in drawn_pipes(window))
