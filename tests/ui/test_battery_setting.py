"""The battery the energy estimate assumes: a project setting chosen in the board panel, undoable,
saved with the project, and shown with the estimate it changes."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.energy import BATTERIES
from studio.core.project import load_project


def _life_days(window) -> float:
    return window.doc.report.energy.battery_life_days


def test_the_board_panel_shows_the_project_battery_and_its_estimate(window, qtbot):
    qtbot.waitUntil(lambda: window.doc.report is not None and window.doc.report.energy is not None, timeout=3000)
    assert window.board_panel.battery.currentData() == window.doc.project.battery == "CR2032"
    text = window.board_panel.energy.text()
    assert "awake" in text and "mA" in text and "CR2032" in text


def test_choosing_a_battery_re_estimates_and_undo_brings_the_old_one_back(window, qtbot):
    qtbot.waitUntil(lambda: window.doc.report is not None and window.doc.report.energy is not None, timeout=3000)
    before = _life_days(window)
    combo = window.board_panel.battery
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)      # CR2032 -> the next battery in the list
    chosen = combo.currentData()
    assert chosen != "CR2032" and window.doc.project.battery == chosen
    qtbot.waitUntil(lambda: window.doc.report.energy.battery.name == chosen, timeout=3000)
    ratio = BATTERIES[chosen].energy_mwh / BATTERIES["CR2032"].energy_mwh
    assert abs(_life_days(window) / before - ratio) < 1e-6   # same load, a bigger battery
    assert chosen in window.board_panel.energy.text()
    window.doc.undo_stack.undo()
    assert window.doc.project.battery == "CR2032" and combo.currentData() == "CR2032"
    qtbot.waitUntil(lambda: window.doc.report.energy.battery.name == "CR2032", timeout=3000)
    window.doc.undo_stack.redo()
    assert window.doc.project.battery == chosen and combo.currentData() == chosen


def test_the_chosen_battery_is_saved_with_the_project(window, tmp_path):
    window.board_panel.battery_chosen.emit("18650")
    assert window.save_as(tmp_path / "b" / "p.tinyml")
    assert load_project(tmp_path / "b" / "p.tinyml").battery == "18650"
