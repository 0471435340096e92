"""Undo restores exact bytes, files round-trip, dirty state, autosave and recovery, bundles."""
from __future__ import annotations


from PySide6.QtCore import QMimeData, QTimer, QUrl
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.graph import Edge
from studio.core.project import export_bundle, load_project
from studio.ui.commands import MoveNodes, Rewire, SetProperty
from studio.ui.main_window import MainWindow
from tests.ui.helpers import drop_on


def test_undoing_every_edit_saves_the_exact_original_bytes(window, project_file, tmp_path):
    original = project_file.read_bytes()
    doc = window.doc
    window.add_node("outputs.serial")
    doc.execute(SetProperty(doc.graph, "window", "window", 256))
    doc.execute(MoveNodes(doc.graph, {"stats": ((480, 0), (500, 90))}))
    doc.execute(Rewire(doc.graph, [Edge("window", "out", "stats", "in")], []))
    window.canvas.select(["imu"])
    window.delete_selection()
    window.board_panel.board_chosen.emit("rpi-pico")
    assert doc.project.board_id == "rpi-pico"
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert window.save_as(tmp_path / "again" / "imu.tinyml")
    assert (tmp_path / "again" / "imu.tinyml").read_bytes() == original


def test_redo_after_undo_gives_the_edited_bytes_again(window, tmp_path):
    doc = window.doc
    window.add_node("outputs.serial")
    doc.execute(SetProperty(doc.graph, "window", "hop", 32))
    window.save_as(tmp_path / "a" / "p.tinyml")
    edited = (tmp_path / "a" / "p.tinyml").read_bytes()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    window.save_as(tmp_path / "b" / "p.tinyml")
    assert (tmp_path / "b" / "p.tinyml").read_bytes() == edited


def test_save_then_reopen_then_save_gives_identical_bytes(window, tmp_path, qtbot):
    window.add_node("dsp.spectrum")
    first = tmp_path / "one" / "p.tinyml"
    window.save_as(first)
    other = MainWindow(load_project(first))
    try:
        second = tmp_path / "two" / "p.tinyml"
        assert other.save_as(second)
        assert second.read_bytes() == first.read_bytes()
    finally:
        other.close()
        other.deleteLater()


def test_title_shows_a_dirty_marker_after_an_edit_and_not_after_saving(window):
    assert not window.isWindowModified()
    window.add_node("outputs.serial")
    assert window.isWindowModified()
    window.save()
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(window, qtbot):
    window.add_node("outputs.serial")

    def answer_cancel():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(50, answer_cancel)
    assert not window.close()
    assert window.isVisible()


def test_an_autosave_left_by_a_crash_is_offered_and_recovered(window, project_file, qtbot):
    window.add_node("outputs.serial")
    side = window.autosave_now()
    assert side is not None and side.is_file() and side.name.endswith(".autosave")
    assert project_file.parent not in side.parents  # project folders (git checkouts) stay clean
    # a crash: the window goes without saving or cleaning up
    crashed = load_project(project_file)
    again = MainWindow(crashed)
    again.show()
    try:
        assert again.message_bar.isVisible()
        assert "earlier session" in again.message_bar.label.text()
        again.message_bar.button("Recover").click()
        assert any(n.type_id == "outputs.serial" for n in again.doc.graph.nodes)
        assert again.doc.dirty
    finally:
        again.doc.undo_stack.setClean()
        again.close()
        again.deleteLater()


def test_saving_removes_the_autosave(window):
    window.add_node("outputs.serial")
    side = window.autosave_now()
    window.save()
    assert not side.exists()


def test_opening_a_project_remembers_it_in_recent_files(window, project_file):
    from studio.ui import files

    window.open_path(project_file)
    assert files.recent_files()[0] == str(project_file.resolve())


def test_an_unreadable_project_is_reported_not_raised(window, tmp_path):
    bad = tmp_path / "bad.tinyml"
    bad.write_text("{ not json", encoding="utf-8")
    assert not window.open_path(bad)
    assert window.message_bar.isVisible()
    assert "not valid JSON" in window.last_message


def test_dropping_a_bundle_on_the_canvas_unpacks_it_next_to_it_and_opens_it(window, project_file, tmp_path):
    bundle = export_bundle(load_project(project_file), tmp_path / "shared.zip")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bundle))])
    assert drop_on(window.canvas.viewer.viewport(), mime)
    assert window.doc.project.path == (tmp_path / "shared" / "imu.tinyml").resolve()
    assert {n.id for n in window.doc.graph.nodes} == {"imu", "window", "stats"}


def test_the_saved_file_holds_our_graph_and_positions_never_a_nodegraphqt_session(window, tmp_path):
    import json

    window.add_node("outputs.serial")
    window.tidy_layout()
    path = tmp_path / "s" / "p.tinyml"
    window.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) <= {"format", "version", "name", "board", "battery", "nodes", "edges", "assets", "ui", "dataset"}
    assert set(data["ui"]["nodes"]) == {n["id"] for n in data["nodes"]}
    assert all(set(pos) == {"x", "y"} for pos in data["ui"]["nodes"].values())
    assert "connections" not in path.read_text(encoding="utf-8")


def test_pasting_text_that_is_not_our_nodes_changes_nothing(window):
    before = {n.id for n in window.doc.graph.nodes}
    window.paste('{"format": "something else", "nodes": []}')
    window.paste("plain words")
    assert {n.id for n in window.doc.graph.nodes} == before
    assert not window.doc.dirty
    assert "nothing to paste" in window.last_message
