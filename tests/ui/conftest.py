"""Fixtures for the editor tests: offscreen Qt, isolated settings, and small real projects built
from the real node catalogue."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from studio.core.graph import Graph  # noqa: E402
from studio.core.project import Project, load_project, save_project  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Recent files and autosaves of untitled projects go to a temporary folder, not the user's."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield


def imu_pipeline(board_id: str = "nano33ble") -> Project:
    """accelerometer -> window -> stats -> serial-less: a real pipeline with room to overflow."""
    g = Graph()
    g.add_node("sensors.accelerometer", {"rate_hz": 100.0}, "imu", {"x": 0, "y": 0})
    g.add_node("dsp.window", {"window": 128, "hop": 64}, "window", {"x": 240, "y": 0})
    g.add_node("dsp.stats", {}, "stats", {"x": 480, "y": 0})
    g.connect("imu", "out", "window", "in")
    g.connect("window", "out", "stats", "in")
    return Project(name="imu", board_id=board_id, graph=g)


@pytest.fixture
def project_file(tmp_path) -> Path:
    return save_project(imu_pipeline(), tmp_path / "imu" / "imu.tinyml")


@pytest.fixture
def window(qtbot, project_file):
    from studio.ui.main_window import MainWindow

    w = MainWindow(load_project(project_file))
    w.show()
    qtbot.waitExposed(w)
    yield w
    # closed here rather than by qtbot.addWidget: teardown must not stop on "save changes?"
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()


def pytest_configure(config):
    # NodeGraphQt 0.6.44 still calls QMouseEvent.pos(); not ours to fix, and not a failure
    config.addinivalue_line("filterwarnings", "ignore:Function.*QMouseEvent.pos:DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore:Function.*QDropEvent.pos:DeprecationWarning")
