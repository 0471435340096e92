"""Editing comfort: shortcuts, theme following the system, hover highlighting, the default project."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def test_ctrl_z_undoes_and_ctrl_shift_z_redoes_the_last_edit(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.add_node("outputs.serial")
    count = len(window.doc.graph.nodes)
    QTest.keyClick(window.canvas.viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.doc.graph.nodes) == count - 1
    QTest.keyClick(window.canvas.viewer, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.doc.graph.nodes) == count


def test_the_theme_env_override_switches_palette_and_canvas_to_light(window, monkeypatch):
    monkeypatch.setenv("TINYML_STUDIO_THEME", "dark")
    window.apply_system_theme()
    dark_window = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    dark_canvas = sum(window.canvas.ng.background_color())
    monkeypatch.setenv("TINYML_STUDIO_THEME", "light")
    window.apply_system_theme()
    assert not window.dark
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 180 > 80 > dark_window
    assert sum(window.canvas.ng.background_color()) > dark_canvas + 300


def test_a_platform_without_a_colour_scheme_gets_the_dark_theme(window, monkeypatch):
    monkeypatch.delenv("TINYML_STUDIO_THEME", raising=False)
    assert QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Unknown  # offscreen says nothing
    window.apply_system_theme()
    assert window.dark


def test_hovering_a_node_highlights_its_share_in_the_budget_bars(window, qtbot):
    viewer = window.canvas.viewer
    at = viewer.mapFromScene(window.canvas.view_of("window").sceneBoundingRect().center())
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(at), QPointF(viewer.viewport().mapToGlobal(at)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewer.viewport(), move)
    assert window.budget.ram.highlight == "window"
    assert "window" in window.budget.ram.describe("window")


def test_zoom_to_fit_shows_every_node(window, qtbot):
    window.doc.graph.set_ui("stats", x=3000, y=2000)
    window.canvas.zoom_to_fit()
    qtbot.wait(10)
    visible = window.canvas.viewer.mapToScene(window.canvas.viewer.viewport().rect()).boundingRect()
    for node_id in ("imu", "window", "stats"):
        assert visible.contains(window.canvas.view_of(node_id).sceneBoundingRect())


def test_hovering_a_share_in_a_budget_bar_outlines_its_node(window, qtbot):
    bar = window.budget.ram
    x = next(rect.center().x() for key, _v, rect in bar._rects() if key == "window")
    at = QPointF(x, bar.height() / 2)
    move = QMouseEvent(QEvent.Type.MouseMove, at, QPointF(bar.mapToGlobal(at.toPoint())),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(bar, move)
    assert window.canvas.emphasized() == ["window"]
    QApplication.sendEvent(bar, QEvent(QEvent.Type.Leave))
    assert window.canvas.emphasized() == []


def test_the_dock_layout_is_restored_in_the_next_window(window, project_file, qtbot):
    from studio.core.project import load_project
    from studio.ui.main_window import MainWindow

    window.palette_dock.hide()
    window.close()
    again = MainWindow(load_project(project_file))
    try:
        assert again.restore_layout()
        again.show()
        assert not again.palette_dock.isVisible()
        assert again.inspector_dock.isVisible()
    finally:
        again.doc.undo_stack.setClean()
        again.close()
        again.deleteLater()


def test_select_all_selects_every_node_and_clears_the_inspector(window):
    window.canvas.select(["window"])
    assert window.inspector.node_id == "window"
    window.act_select_all.trigger()
    assert sorted(window.canvas.selected_ids()) == ["imu", "stats", "window"]
    assert window.inspector.node_id is None
