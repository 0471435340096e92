"""The inspector builds the sensor's source editors from its params (no UI code for them): the
source combo takes a pipeline the board's sensors refuse to one the host streams."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox


def test_the_accelerometer_shows_source_part_bus_and_address_editors(window):
    window.canvas.select(["imu"])
    editors = window.inspector.editors
    assert isinstance(editors["source"], QComboBox)
    assert [editors["source"].itemData(i) for i in range(editors["source"].count())] == \
        ["board", "external", "host-stream"]
    assert isinstance(editors["part"], QLineEdit) and isinstance(editors["bus"], QLineEdit)
    assert isinstance(editors["address"], QSpinBox) and editors["address"].maximum() == 127


def test_choosing_host_stream_clears_the_missing_accelerometer_error_on_the_pico(window, qtbot):
    window.board_panel.board_chosen.emit("rpi-pico")
    qtbot.waitUntil(lambda: window.doc.report is not None and window.doc.report.board.id == "rpi-pico", timeout=3000)
    assert any("has no accelerometer" in i.message for i in window.doc.report.issues_for("imu"))
    window.canvas.select(["imu"])
    box = window.inspector.editors["source"]
    box.setCurrentIndex(box.findData("host-stream"))
    box.activated.emit(box.currentIndex())
    qtbot.waitUntil(lambda: window.doc.project.graph.node("imu").props.get("source") == "host-stream", timeout=3000)
    qtbot.waitUntil(lambda: not any(i.severity == "error" for i in window.doc.report.issues_for("imu")), timeout=3000)
    assert window.doc.report.plan.sensor_source("imu") == "host-stream"
    window.grab().save(str(window.doc.project.dir / "host_stream_on_pico.png"))
