"""Live validation: badges, bars, the validation panel and the board selector."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.boards import boards


def _red_pixels(widget) -> int:
    img = widget.grab().toImage()
    count = 0
    for x in range(0, img.width(), 3):
        c = img.pixelColor(x, img.height() // 2)
        if c.red() > 180 and c.green() < 90 and c.blue() < 90:
            count += 1
    return count


def test_a_window_too_large_for_ram_turns_the_ram_bar_red_and_badges_the_node(window, qtbot):
    window.canvas.select(["window"])
    spin = window.inspector.editors["window"]
    assert spin.maximum() == 262144 and "samples" in spin.suffix()
    assert not window.budget.ram.over and _red_pixels(window.budget.ram) == 0
    spin.setValue(200000)
    qtbot.waitUntil(lambda: window.doc.report is not None and window.doc.report.ram.over, timeout=2000)
    assert window.budget.ram.over
    assert _red_pixels(window.budget.ram) > 20
    assert window.canvas.marker_state("window")[0] == "error"
    assert "RAM" in window.canvas.view_of("window").toolTip()


def test_undoing_the_overflow_clears_the_badge_and_the_red(window, qtbot):
    window.canvas.select(["window"])
    window.inspector.editors["window"].setValue(200000)
    qtbot.waitUntil(lambda: window.budget.ram.over, timeout=2000)
    window.doc.undo_stack.undo()
    qtbot.waitUntil(lambda: not window.budget.ram.over, timeout=2000)
    assert window.canvas.marker_state("window")[0] != "error"


def test_switching_board_updates_the_bars_at_once(window, qtbot):
    combo = window.board_panel.combo
    start = window.budget.ram.budget
    assert start == boards().get("nano33ble").ram_budget_bytes
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)
    chosen = combo.currentData()
    assert chosen != "nano33ble" and window.doc.project.board_id == chosen
    assert window.budget.ram.budget == boards().get(chosen).ram_budget_bytes
    assert window.budget.flash.budget == boards().get(chosen).flash_budget_bytes
    assert window.board_panel.figures["clock"].text() == f"{boards().get(chosen).clock_hz / 1e6:g} MHz"


def test_clicking_an_issue_selects_its_node(window, qtbot):
    panel = window.issues
    row = next(i for i in range(panel.topLevelItemCount())
               if panel.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "stats")
    item = panel.topLevelItem(row)
    QTest.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, pos=panel.visualItemRect(item).center())
    assert window.canvas.selected_ids() == ["stats"]
    assert window.inspector.node_id == "stats"


def test_the_panel_lists_the_messages_validate_project_gives(window):
    from studio.core.validate import validate_project

    expected = [(i.severity, i.node, i.message) for i in validate_project(window.doc.project).issues]
    assert window.issues.messages() == expected


def test_a_property_outside_its_limits_is_refused_with_the_reason(window):
    window.canvas.select(["window"])
    assert not window.inspector.commit("hop", 0)
    assert "hop" in window.inspector.error.text()
    assert window.doc.graph.node("window").props["hop"] == 64


def test_an_asset_outside_the_project_folder_is_refused(window, tmp_path):
    window.add_node("model.tflite")
    node = next(n.id for n in window.doc.graph.nodes if n.type_id == "model.tflite")
    window.canvas.select([node])
    outside = tmp_path / "elsewhere.tflite"
    outside.write_bytes(b"x")
    assert not window.inspector.choose_asset("model", str(outside))
    assert "outside the project folder" in window.inspector.error.text()
    assert window.doc.graph.node(node).props["model"] == ""


def test_an_asset_inside_the_project_folder_is_stored_as_a_relative_path(window, project_file):
    window.add_node("model.tflite")
    node = next(n.id for n in window.doc.graph.nodes if n.type_id == "model.tflite")
    window.canvas.select([node])
    inside = Path(project_file).parent / "models" / "m.tflite"
    inside.parent.mkdir()
    inside.write_bytes(b"x")
    assert window.inspector.choose_asset("model", str(inside))
    assert window.doc.graph.node(node).props["model"] == "models/m.tflite"


def test_the_inspector_follows_undo(window):
    window.canvas.select(["window"])
    window.inspector.editors["hop"].setValue(16)
    assert window.doc.graph.node("window").props["hop"] == 16
    window.doc.undo_stack.undo()
    assert window.inspector.editors["hop"].value() == 64


def test_choosing_a_model_file_is_validated_off_the_ui_thread(window, project_file, qtbot):
    import shutil

    from studio.core.paths import sample_projects_dir

    model = sample_projects_dir() / "gesture" / "gesture.tflite"
    if not model.is_file():
        import pytest
        pytest.skip("the gesture sample's model is not there")
    shutil.copy(model, project_file.parent / "m.tflite")
    window.add_node("model.tflite")
    node = next(n.id for n in window.doc.graph.nodes if n.type_id == "model.tflite")
    window.doc.validate_now()
    window.canvas.select([node])
    before = window.doc.background_validations
    assert window.inspector.choose_asset("model", str(project_file.parent / "m.tflite"))
    qtbot.waitUntil(lambda: window.doc.background_validations == before + 1, timeout=3000)
    qtbot.waitUntil(lambda: window.doc.report is not None
                    and not any("no file" in i.message for i in window.doc.report.issues_for(node)), timeout=5000)
    assert not window.doc.validation_pending()


def test_a_burst_of_edits_is_validated_once_after_it(window, qtbot):
    from studio.ui.commands import SetProperty

    reports = []
    window.doc.validated.connect(reports.append)
    for hop in (10, 20, 30, 40, 50):
        window.doc.execute(SetProperty(window.doc.graph, "window", "hop", hop))
    assert reports == []
    qtbot.waitUntil(lambda: len(reports) == 1, timeout=2000)
    qtbot.wait(50)
    assert len(reports) == 1
    assert reports[0].specs[("window", "out")].rate_hz == 100.0 / 50


def test_a_validation_for_the_old_board_does_not_land_after_a_board_switch(window, qtbot):
    from studio.core.validate import validate_project
    doc = window.doc
    old_board = doc.board()
    stale = validate_project(doc.project, old_board)
    generation = doc.generation
    new_id = next(b.id for b in boards().all() if b.id != old_board.id and b.target == "cortex-m")
    doc.set_board(new_id)
    doc._background_done(generation, stale)  # the old job finishing late
    qtbot.waitUntil(lambda: doc.report is not None and doc.report.board.id == new_id, timeout=2000)
    assert doc.report.board.id == new_id
