"""File → Export library… in the real editor window (offscreen): the action sits in the File menu,
the export job writes the same library as ``tinyml-studio export``, and a foreign non-empty folder
is written into only after the user agrees."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from studio.core.project import load_project
from tests.ui.monitor_helpers import copy_sample


@pytest.fixture
def window(qtbot, tmp_path):
    from studio.ui.main_window import MainWindow

    w = MainWindow(load_project(copy_sample("gesture", tmp_path)))
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()


def test_export_library_is_in_the_file_menu_beside_export_bundle(window):
    tools = window.export_library_tools
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    actions = file_menu.actions()
    assert actions.index(tools.action) == actions.index(window.act_export) - 1


def test_the_export_job_writes_the_arduino_library_and_its_zip(window, qtbot, tmp_path):
    tools = window.export_library_tools
    job = tools.run("arduino-library", "gest", tmp_path / "out")
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=60_000)
    assert job.outcome == "ok", job.error
    r = tools.last_result
    assert (tmp_path / "out" / "library.properties").is_file() and (tmp_path / "out" / "src" / "gest.h").is_file()
    assert r.zip is not None and r.zip.is_file()
    assert "gest.h" in window.statusBar().currentMessage()


def test_a_foreign_folder_is_left_alone_when_the_user_declines(window, tmp_path, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    tools = window.export_library_tools
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert tools._confirm_force(out) is None and tools.run("c-library", "", out, force=None) is None
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert tools._confirm_force(out) is True
