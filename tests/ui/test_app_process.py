"""The app as a process: the screenshot mode under a real X server, and the start-up probe."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@pytest.fixture
def xvfb_display():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as r:
        number = r.readline().strip()
    try:
        assert number.isdigit(), "Xvfb did not report its display"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_screenshot_under_xvfb_shows_a_drawn_window(xvfb_display, project_file, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "studio", str(project_file), "--screenshot", str(out)],
                          env=_env(DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    img = QImage(str(out))
    assert img.width() >= 1000 and img.height() >= 600
    colours, greys = set(), []
    for y in range(0, img.height(), 7):
        for x in range(0, img.width(), 7):
            c = img.pixelColor(x, y)
            colours.add((c.red(), c.green(), c.blue()))
            greys.append((c.red() + c.green() + c.blue()) / 3)
    mean = sum(greys) / len(greys)
    std = (sum((g - mean) ** 2 for g in greys) / len(greys)) ** 0.5
    assert len(colours) > 100
    assert std > 10


def test_screenshot_of_an_unreadable_project_fails_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.tinyml"
    bad.write_text("[]", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "studio", str(bad), "--screenshot", str(tmp_path / "x.png")],
                          env=_env(QT_QPA_PLATFORM="offscreen"), cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "error:" in done.stderr and "Traceback" not in done.stderr


def test_tensorflow_is_not_imported_once_the_window_is_up(project_file):
    done = subprocess.run([sys.executable, "-m", "studio", str(project_file)],
                          env=_env(QT_QPA_PLATFORM="offscreen", TINYML_STUDIO_STARTUP_PROBE="1"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    probe = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert probe["nodes"] == 3
    assert probe["tensorflow_loaded"] is False


def test_the_monitor_plot_library_is_not_loaded_at_start_up(project_file):
    done = subprocess.run([sys.executable, "-m", "studio", str(project_file)],
                          env=_env(QT_QPA_PLATFORM="offscreen", TINYML_STUDIO_STARTUP_PROBE="1"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    probe = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert probe["pyqtgraph_loaded"] is False


def test_screenshot_without_a_display_is_drawn_offscreen(project_file, tmp_path):
    out = tmp_path / "offscreen.png"
    env = _env()
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "studio", str(project_file), "--screenshot", str(out)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000


def test_the_window_without_a_display_is_refused_with_a_message(project_file):
    env = _env()
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "studio", str(project_file)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no display" in done.stderr


def test_the_pinned_qt_binding_keeps_its_references(qapp):
    from studio.ui.app import qt_binding_problem
    assert qt_binding_problem() is None
