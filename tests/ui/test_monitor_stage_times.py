"""After a run, the budget shows the board's measured time per node beside the estimate: fed by
real bytes through a real socket into the monitor, cleared by the next edit of the graph."""
from __future__ import annotations

import json
import shutil

import pytest

from studio.device.protocol import StageProfile, encode_message, parse_line
from studio.ui.commands import SetProperty
from studio.ui.stage_times import stage_times
from tests.ui.helpers import shown_window
from tests.ui.monitor_helpers import LineServer, copy_sample

MEASURED_US = {"imu": 30, "window": 150, "stats": 1200}


def _lines(measured=MEASURED_US, seq=0) -> list[bytes]:
    return [
        encode_message({"type": "hello", "project": "imu", "board": "nano33ble", "build": "abc", "clock_hz": 64000000}),
        encode_message({"type": "inference", "seq": seq, "label": "a", "index": 0, "scores": [1.0],
                        "dsp_us": sum(measured.values()), "model_us": 0}),
        encode_message({"type": "profile", "seq": seq, "stages": measured, "overhead_us": 12, "every": 16}),
    ]


@pytest.fixture
def served(window, qtbot):
    """The window, once validated, with its monitor reading ``lines`` from a socket."""
    qtbot.waitUntil(lambda: window.doc.report is not None, timeout=30_000)
    servers: list[LineServer] = []

    def serve(lines: list[bytes]):
        server = LineServer(lines, rate_per_s=0)
        servers.append(server)
        panel = window.device_tools.panel
        panel.connect_to(server.url)
        qtbot.waitUntil(lambda: panel.counters.lines >= len(lines), timeout=20_000)
        qtbot.wait(50)
        return window.budget.stage_times

    yield serve
    window.device_tools.panel.disconnect_link()
    for s in servers:
        s.stop()


def test_a_profile_from_the_board_shows_measured_beside_estimated_per_node(window, served):
    table = served(_lines())
    estimate = window.doc.report.latency.by_node_us
    assert table.isVisible()
    assert [row.node_id for row in table.rows] == ["imu", "window", "stats"]
    for r, row in enumerate(table.rows):
        assert row.estimated_us == pytest.approx(estimate[row.node_id])
        assert row.measured_us == MEASURED_US[row.node_id]
        assert table.text_at(r, "measured / estimated") == f"{MEASURED_US[row.node_id] / estimate[row.node_id]:.2f}×"
    assert table.text_at(2, "measured") == "1.20 ms"


def test_the_next_edit_of_the_graph_clears_the_measurement(window, served):
    table = served(_lines())
    assert table.rows
    window.doc.execute(SetProperty(window.doc.graph, "window", "hop", 32))
    assert not table.rows and not table.isVisible()


def test_moving_a_node_keeps_the_measurement(window, served):
    table = served(_lines())
    window.doc.graph.set_ui("stats", x=999, y=5)
    assert len(table.rows) == 3


def test_a_later_profile_replaces_the_earlier_one(window, served):
    served(_lines())
    table = served(_lines({"imu": 31, "window": 140, "stats": 1100}, seq=16))
    assert table.profile.seq == 16 and [row.measured_us for row in table.rows] == [31, 140, 1100]


def test_a_malformed_profile_line_changes_nothing_and_is_counted(window, served):
    bad = b'{"type":"profile","seq":0,"stages":{"imu":"fast"}}\n'
    table = served([*_lines()[:2], bad])
    assert window.device_tools.panel.counters.malformed == 1
    assert not table.rows and not table.isVisible()


def test_a_node_the_board_times_but_validation_does_not_know_is_listed_after_the_pipeline():
    profile = StageProfile.from_message(parse_line(json.dumps(
        {"type": "profile", "seq": 0, "stages": {"model": 5, "imu": 2}})))
    rows = stage_times({"imu": 4.0, "serial": 0.0, "fresh": 1.0}, profile)
    assert [(r.node_id, r.estimated_us, r.measured_us) for r in rows] == [
        ("imu", 4.0, 2), ("fresh", 1.0, None), ("model", None, 5)]
    assert rows[0].ratio == 0.5 and rows[1].ratio is None and rows[2].ratio is None


def test_a_ratio_further_than_15_percent_from_the_estimate_is_marked(window, served):
    estimate = window.doc.report.latency.by_node_us
    measured = {"imu": round(estimate["imu"]), "window": round(estimate["window"] * 2) + 1, "stats": 1}
    table = served(_lines(measured))
    marked = [bool(table.item(r, 3).toolTip()) for r in range(len(table.rows))]
    assert marked == [False, True, True]


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_build_flash_and_monitor_on_the_emulated_board_fills_measured_times(qtbot, tmp_path):
    with shown_window(qtbot, copy_sample("gesture", tmp_path)) as w:
        w.doc.set_board("qemu-mps2-an386")
        w.device_tools.action.trigger()
        table = w.budget.stage_times
        qtbot.waitUntil(lambda: bool(table.rows), timeout=120_000)
        measured = {row.node_id: row.measured_us for row in table.rows}
        assert set(measured) == {"imu", "window", "spectrum", "classifier", "serial"}
        assert measured["serial"] is None and all(measured[n] > 0 for n in ("imu", "window", "spectrum", "classifier"))
        assert table.rows[3].ratio == pytest.approx(1.0, abs=0.15)  # the classifier: the model's estimate holds
        w.device_tools.disconnect()


def test_a_profile_from_another_board_is_not_set_beside_this_boards_estimate(window, served):
    other = encode_message({"type": "hello", "project": "imu", "board": "rpi-pico", "build": "abc"})
    table = served([other, *_lines()[1:]])
    assert window.device_tools.panel.last_profile is not None
    assert not table.rows and not table.isVisible()
