"""Build, flash & monitor in the real editor window: the real compiler, the real emulator
(qemu-system-arm mps2-an386) and the real flashers, offscreen."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QToolBar

from studio.core.project import load_project
from studio.ui.device_tools import DeviceTools, install_device_tools
from tests.ui.monitor_helpers import copy_sample

needs_toolchain = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm")


@pytest.fixture
def gesture_window(qtbot, tmp_path):
    from studio.ui.main_window import MainWindow

    w = MainWindow(load_project(copy_sample("gesture", tmp_path)))
    w.resize(1500, 940)
    tools = install_device_tools(w)
    w.show()
    qtbot.waitExposed(w)
    yield w, tools
    tools.shutdown()
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()


def emulate(window) -> None:
    """What choosing the emulated board in the board selector does."""
    window.doc.set_board("qemu-mps2-an386")


def test_install_adds_the_monitor_dock_and_the_action_to_toolbar_and_run_menu(gesture_window):
    w, tools = gesture_window
    assert isinstance(tools, DeviceTools)
    assert w.findChild(QToolBar, "main_toolbar").actions()[-1] is tools.action
    run_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Run")
    assert tools.action in run_menu.actions()
    assert tools.dock.widget() is tools.panel
    assert install_device_tools(w) is tools


@needs_toolchain
def test_build_flash_and_monitor_shows_results_from_the_emulated_board(gesture_window, qtbot, tmp_path):
    w, tools = gesture_window
    emulate(w)
    tools.action.trigger()
    panel = tools.panel
    qtbot.waitUntil(lambda: panel.counters.inferences >= 20, timeout=120_000)
    qtbot.wait(100)  # what a user sees: the layout of this batch done
    # a picture of the window during the live run, to look at (TINYML_MONITOR_SCREENSHOT=path keeps it)
    shot = Path(os.environ.get("TINYML_MONITOR_SCREENSHOT", tmp_path / "monitor.png"))
    assert w.grab().save(str(shot))
    print(f"\nscreenshot: {shot}, taken at {panel.counters.inferences} inferences; plotted "
          f"{panel.plotted_points()}; validation: {[i.message for i in (w.doc.report.issues if w.doc.report else ())]}")
    assert panel.result_label.text() in ("idle", "wave", "shake", "circle")
    bars = panel.score_bar_values()
    assert list(bars) == ["idle", "wave", "shake", "circle"]  # the project's labels, in model order
    assert sum(bars.values()) == pytest.approx(1.0, abs=0.05)
    assert panel.counters.malformed == 0
    qtbot.waitUntil(lambda: set(panel.plotted_points()) == {"idle", "wave", "shake", "circle", "dsp_us", "model_us"}
                    and min(panel.plotted_points().values()) > 0, timeout=5000)
    assert "hello" in panel.raw_view.toPlainText()
    assert tools.dock.isVisible() and not tools.dock.visibleRegion().isEmpty()


@needs_toolchain
def test_the_end_of_the_emulated_run_stops_the_monitor_and_the_emulator(gesture_window, qtbot):
    w, tools = gesture_window
    emulate(w)
    job = tools.build_flash_monitor()
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    session = tools.flashed.session
    qtbot.waitUntil(lambda: tools.panel.run_ended is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not tools.panel.is_connected and not session.running(), timeout=10_000)
    assert tools.panel.counters.inferences == tools.panel.run_ended["inferences"]
    assert tools.panel.state_label.text() == f"run finished: {tools.panel.run_ended['inferences']} inferences"


@needs_toolchain
def test_disconnecting_stops_the_emulator(gesture_window, qtbot):
    w, tools = gesture_window
    emulate(w)
    job = tools.build_flash_monitor()
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    # the recording plays for about a second: disconnect while it runs
    session = tools.flashed.session
    assert session is not None and session.running() and tools.panel.is_connected
    tools.disconnect_action.trigger()
    qtbot.waitUntil(lambda: not session.running(), timeout=10_000)
    assert not tools.panel.is_connected
    assert tools.panel.connect_button.text() == "Connect"


@needs_toolchain
def test_closing_the_window_stops_the_emulator(qtbot, tmp_path):
    from studio.ui.main_window import MainWindow

    w = MainWindow(load_project(copy_sample("gesture", tmp_path)))
    tools = install_device_tools(w)
    w.show()
    qtbot.waitExposed(w)
    emulate(w)
    job = tools.build_flash_monitor()
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    session = tools.flashed.session
    assert session.running()
    w.doc.undo_stack.setClean()
    w.close()
    assert not session.running()
    w.deleteLater()


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
def test_a_flasher_that_fails_shows_its_message_and_leaves_the_ui_usable(gesture_window, qtbot):
    w, tools = gesture_window
    assert w.doc.project.board_id == "nano33ble"  # bossac, and no board plugged in here
    tools.panel.port_combo.setCurrentText("")
    job = tools.build_flash_monitor()
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert job.outcome == "failed"
    assert w.message_bar.isVisible()
    assert "Nano 33 BLE" in w.last_message and "Traceback" not in w.last_message
    assert tools.action.isEnabled()
    assert not tools.panel.is_connected
    qtbot.waitUntil(lambda: "failed: no serial port" in tools.panel.raw_view.toPlainText(), timeout=2000)


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
def test_a_port_that_does_not_exist_is_explained_by_the_flasher(gesture_window, qtbot):
    w, tools = gesture_window
    tools.panel.port_combo.setCurrentText("/dev/ttyNOPE99")
    job = tools.build_flash_monitor()
    if job is None:
        pytest.fail(w.last_message)
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert job.outcome == "failed"
    assert "/dev/ttyNOPE99" in w.last_message


@needs_toolchain
def test_build_flash_and_monitor_streams_a_host_stream_sensors_samples(gesture_window, qtbot):
    """The accelerometer set to host-stream: the monitor answers the board's requests with the
    project's recording (not shown as messages) and the results arrive."""
    w, tools = gesture_window
    w.canvas.select(["imu"])
    box = w.inspector.editors["source"]
    box.setCurrentIndex(box.findData("host-stream"))
    box.activated.emit(box.currentIndex())
    assert w.doc.project.graph.node("imu").props["source"] == "host-stream"
    emulate(w)
    tools.action.trigger()
    panel = tools.panel
    qtbot.waitUntil(lambda: panel.counters.inferences >= 5, timeout=120_000)
    assert panel.connection.responder is not None and panel.connection.responder.requests > 0
    assert panel.counters.malformed == 0
