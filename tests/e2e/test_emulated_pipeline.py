"""A sample project on the emulated board, end to end: generate -> arm-none-eabi-gcc -> QEMU ->
every window's label and scores equal the host reference (numpy DSP + TFLite Micro)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.actions import build, evaluate_emulated, run_emulated
from studio.core.boards import boards
from studio.core.project import load_project

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "sample_projects" / "gesture" / "gesture.tinyml"


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    return evaluate_emulated(load_project(GESTURE), tmp_path_factory.mktemp("gesture-emu"))


def test_every_window_on_the_emulated_board_agrees_with_the_host(evaluation):
    assert evaluation["windows"] == evaluation["host_windows"] == evaluation["device_windows"] > 100
    assert evaluation["agreement"] == 1.0


def test_device_accuracy_equals_host_int8_accuracy(evaluation):
    assert evaluation["device_accuracy"] == evaluation["host_accuracy"] > 0.8


def test_device_scores_match_host_scores_to_print_precision(evaluation):
    assert evaluation["max_score_diff"] <= 1e-5


def test_firmware_exits_cleanly_when_the_recording_ends(evaluation):
    assert evaluation["exit_code"] == 0


def test_estimated_sizes_land_within_10_percent_of_the_build(tmp_path):
    outcome = build(load_project(GESTURE), tmp_path / "fw", boards().get("qemu-mps2-an386"))
    j = outcome.to_json()
    for key in ("flash_bytes", "ram_bytes"):
        assert abs(j["error_percent"][key]) <= 10.0, j


def test_run_cli_prints_n_results_then_a_summary(tmp_path):
    r = subprocess.run([sys.executable, "-m", "studio", "run", str(GESTURE), "--emulate", "--count", "3",
                        "--json", "--out", str(tmp_path / "fw")], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["type"] == "hello"
    assert [x["seq"] for x in lines if x["type"] == "inference"] == [0, 1, 2]
    assert lines[-1]["type"] == "summary" and lines[-1]["malformed"] == 0


def test_run_stops_after_count_without_waiting_for_the_recording(tmp_path):
    outcome = run_emulated(load_project(GESTURE), tmp_path / "fw", count=2)
    assert len(outcome.inferences()) == 2
