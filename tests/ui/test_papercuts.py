"""The editor papercuts of issue 13: where double-clicked nodes land, what Undo says and where its
button stays, Cancel in an idle tool dialog, "now uses …" after undo, an unknown board's width,
and a text field that marks a saved project modified again."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.graph import Edge
from studio.core.project import load_project, save_project
from studio.ui.optimize import install_optimize_tools
from studio.ui.training import TrainingDialog, install_training_tools
from tests.ui.conftest import imu_pipeline


def _double_click_palette(window, type_id: str) -> None:
    tree = window.palette.tree
    item = window.palette.items[type_id]
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _new_of_type(window, type_id: str) -> list:
    return [n for n in window.doc.graph.nodes if n.type_id == type_id]


def test_double_clicked_nodes_go_beside_the_selected_node_and_are_wired_to_it(window):
    window.canvas.select(["stats"])
    _double_click_palette(window, "dsp.normalize")
    (norm,) = _new_of_type(window, "dsp.normalize")
    stats = window.doc.graph.node("stats")
    assert norm.ui["x"] > stats.ui["x"] + 150 and norm.ui["y"] == stats.ui["y"]
    assert Edge("stats", "out", norm.id, "in") in window.doc.graph.edges


def test_double_clicking_twice_without_a_selection_never_stacks_two_nodes(window):
    window.canvas.select([])
    _double_click_palette(window, "dsp.normalize")
    window.canvas.select([])
    _double_click_palette(window, "dsp.normalize")
    a, b = _new_of_type(window, "dsp.normalize")
    assert (a.ui["x"], a.ui["y"]) != (b.ui["x"], b.ui["y"])
    assert abs(a.ui["y"] - b.ui["y"]) >= 100 or abs(a.ui["x"] - b.ui["x"]) >= 200


def test_undo_names_the_node_title_and_its_toolbar_button_keeps_its_width(window):
    toolbar = window.findChild(type(window.addToolBar("probe")), "main_toolbar")
    button = toolbar.widgetForAction(window.act_undo)
    width, x = button.width(), button.x()
    window.canvas.select([])
    window.add_node("sensors.microphone")
    assert window.act_undo.text().replace("&", "") == "Undo add Microphone"
    assert "sensors.microphone" not in window.act_undo.text()
    assert button.text() == "Undo" and button.width() == width and button.x() == x


def test_cancel_closes_an_idle_training_dialog(window, qtbot):
    install_training_tools(window)
    dialog = TrainingDialog(window)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.cancel_button.isEnabled()
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_cancel_closes_an_idle_optimize_dialog(window, qtbot):
    action = install_optimize_tools(window)
    action.trigger()
    from studio.ui.optimize import OptimizeDialog

    dialog = window.findChild(OptimizeDialog)
    qtbot.waitExposed(dialog)
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_undoing_use_this_model_withdraws_now_uses(window):
    dialog = TrainingDialog(window)
    assert dialog.apply("window", {"window": 64}, "use model m.tflite")
    dialog.say("window now uses m.tflite (Ctrl+Z reverts it).", "done")
    window.doc.undo_stack.undo()
    assert "now uses" not in dialog.status_label.text()
    assert "Undone" in dialog.status_label.text()


def test_a_project_naming_an_unknown_board_does_not_widen_the_window(qtbot, tmp_path):
    from studio.ui.main_window import MainWindow

    path = save_project(imu_pipeline(board_id="no_such_board"), tmp_path / "u" / "u.tinyml")
    w = MainWindow(load_project(path))
    w.show()
    qtbot.waitExposed(w)
    try:
        qtbot.wait(50)
        assert w.width() <= 1500
        assert "no_such_board" in w.board_panel.combo.currentText()
    finally:
        w.doc.undo_stack.setClean()
        w.close()
        w.deleteLater()


def test_leaving_a_text_field_after_saving_does_not_mark_the_project_modified(window, qtbot):
    window.add_node("outputs.gpio_led")
    node_id = _new_of_type(window, "outputs.gpio_led")[0].id
    window.canvas.select([node_id])
    window.inspector.show_node(node_id)
    edit = next((w for w in window.inspector.editors.values() if w.metaObject().className() == "QLineEdit"), None)
    assert edit is not None, list(window.inspector.editors)
    window.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.selectAll()
    QTest.keyClicks(edit, "hello")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert window.doc.dirty
    assert window.save()
    assert not window.doc.dirty
    window.canvas.viewer.setFocus()      # clicking elsewhere: the field loses focus
    qtbot.waitUntil(lambda: not edit.hasFocus())
    assert not window.doc.dirty


def test_save_as_names_the_project_after_its_new_file(window, tmp_path):
    assert window.save_as(tmp_path / "elsewhere" / "door_bell.tinyml")
    assert window.doc.project.name == "door_bell"
    assert load_project(tmp_path / "elsewhere" / "door_bell.tinyml").name == "door_bell"
    assert window.windowTitle().startswith("door_bell")
