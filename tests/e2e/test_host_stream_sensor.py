"""A sensor node set to host-stream: the firmware takes its samples from the host over the board's
serial link on any board. On the emulated board (a real-board project, the gesture sample on the
Nano 33 BLE Sense, with its accelerometer set to host-stream) the device equals the host reference
on every window; the firmware for the Nano 33 BLE Sense, the Pico and the B-L475E-IOT01A, with the
UART receive path each board glue now has, cross-compiles with the real arm-none-eabi-gcc."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.actions import build, evaluate_emulated
from studio.core.boards import boards
from studio.core.project import load_project, save_project
from studio.core.sample_source import HOST_STREAM_KEY
from studio.core.validate import RECORDING_KEY, load_recording

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def streamed(tmp_path_factory) -> Path:
    """The gesture sample (board nano33ble) with its accelerometer taking samples from the host."""
    proj = tmp_path_factory.mktemp("hs") / "gesture"
    shutil.copytree(ROOT / "sample_projects" / "gesture", proj)
    project = load_project(proj / "gesture.tinyml")
    project.graph.set_property("imu", "source", "host-stream")
    save_project(project)
    return proj / "gesture.tinyml"


def test_a_host_stream_sensor_runs_on_the_emulated_board_equal_to_the_host_reference(streamed, tmp_path):
    project = load_project(streamed)
    assert project.board_id == "nano33ble"
    result = evaluate_emulated(project, tmp_path / "fw")
    assert result["sample_source"] == "host-stream" and result["clips"] == 1
    assert result["windows"] == result["device_windows"] == result["host_windows"] > 100
    assert result["agreement"] == 1.0 and result["max_score_diff"] <= 1e-5
    assert result["device_accuracy"] == result["host_accuracy"] is not None
    assert result["exit_code"] == 0


def test_the_emulated_host_stream_image_carries_no_recording(streamed, tmp_path):
    outcome = build(load_project(streamed), tmp_path / "fw", boards().get("qemu-mps2-an386"))
    report = outcome.generated.report
    assert outcome.generated.sample_source == "host-stream"
    assert RECORDING_KEY not in report.flash.by_node and HOST_STREAM_KEY in report.ram.by_node
    assert not (tmp_path / "fw" / "src" / "tms_replay.c").exists()


@pytest.mark.parametrize("board_id", ["nano33ble", "rpi-pico", "b-l475e-iot01a"])
def test_host_stream_firmware_cross_compiles_for_the_real_board(streamed, tmp_path, board_id):
    board = boards().get(board_id)
    outcome = build(load_project(streamed), tmp_path / "fw", board)
    assert outcome.generated.sample_source == "host-stream"
    symbols = subprocess.run(["arm-none-eabi-nm", str(outcome.result.elf)], capture_output=True, text=True,
                             check=True).stdout
    assert " tms_uart_read_byte" in symbols and " tms_hoststream_next" in symbols
    assert 0 < outcome.result.flash_bytes <= board.flash_budget_bytes
    report = outcome.to_json()
    for key in ("flash_bytes", "ram_bytes"):
        assert abs(report["error_percent"][key]) <= 10.0, (key, report["estimated"], report["measured"])


def test_flash_monitor_streams_a_recording_file_into_the_board(streamed, tmp_path):
    """`flash --monitor --stream FILE` on the emulated board: the monitor answers the board's
    requests on the serial port it reads, and stops at the board's end line."""
    recording = load_recording(load_project(streamed))[:640]
    np.save(tmp_path / "five_windows.npy", recording)
    r = subprocess.run([sys.executable, "-m", "studio", "flash", str(streamed), "--board", "qemu-mps2-an386",
                        "--monitor", "--stream", str(tmp_path / "five_windows.npy"), "--json", "--timeout", "120",
                        "--out", str(tmp_path / "fw")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    # 640 samples, window 128 hop 64: 9 windows, then the board's end line
    assert [x["seq"] for x in lines if x["type"] == "inference"] == list(range(9))
    assert lines[-2]["type"] == "end" and not any(x["type"] == "need" for x in lines)


def test_run_streams_the_recording_named_by_stream(streamed, tmp_path):
    np.save(tmp_path / "two.npy", load_recording(load_project(streamed))[:192])
    r = subprocess.run([sys.executable, "-m", "studio", "run", str(streamed), "--emulate", "--json",
                        "--stream", str(tmp_path / "two.npy"), "--out", str(tmp_path / "fw")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["seq"] for x in lines if x["type"] == "inference"] == [0, 1]


@pytest.mark.parametrize("board_id", ["esp32-s3-devkitc", "seeeduino-xiao"])
def test_a_board_without_an_accelerometer_gets_a_sketch_that_reads_the_host_stream(streamed, tmp_path, board_id):
    from codegen.project_firmware import generate

    generated = generate(load_project(streamed), tmp_path / "fw", boards().get(board_id))
    assert generated.sample_source == "host-stream" and generated.files.kind == "arduino-sketch"
    src = tmp_path / "fw" / "firmware" / "src"
    assert (src / "tms_hoststream.c").is_file()
    assert "tms_uart_read_byte" in (src / "tms_arduino.cpp").read_text(encoding="utf-8")
