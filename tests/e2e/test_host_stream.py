"""A project with an imported dataset on the emulated board: its test clips are streamed from the host
over the board's UART at run time (the host-stream sample source), not embedded in flash; nothing is
edited by hand. The dataset is made here (accelerometer WAV clips per label) and imported with
``studio.ml.importer.import_folder`` into a copy of the gesture sample, whose model it feeds."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from studio.actions import build, evaluate_emulated
from studio.core.dataset import dataset_of
from studio.core.boards import boards
from studio.core.project import load_project, save_project
from studio.core.sample_source import HOST_STREAM_KEY
from studio.core.validate import RECORDING_KEY, validate_project
from studio.ml.importer import import_folder

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("idle", "wave", "shake", "circle")
RATE_HZ = 100


def gesture_with_imported_dataset(tmp: Path, per_class: int, seconds: float, split) -> Path:
    proj = tmp / "proj"
    shutil.copytree(ROOT / "sample_projects" / "gesture", proj, ignore=shutil.ignore_patterns("test"))
    src = tmp / "clips"
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    for k, label in enumerate(LABELS):
        (src / label).mkdir(parents=True)
        for i in range(per_class):
            f = 0.5 + 1.5 * k + rng.uniform(0, 0.5)
            x = np.stack([0.3 * k * np.sin(2 * np.pi * f * t + phase) for phase in (0, 1, 2)], axis=1)
            x += rng.normal(0, 0.05, x.shape)
            with wave.open(str(src / label / f"{label}_{i:03d}.wav"), "wb") as w:
                w.setnchannels(3)
                w.setsampwidth(2)
                w.setframerate(RATE_HZ)
                w.writeframes(np.clip(x * 32767, -32768, 32767).astype("<i2").tobytes())
    project = load_project(proj / "gesture.tinyml")
    import_folder(project, src, split=split, seed=0)
    save_project(project)
    return proj / "gesture.tinyml"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return gesture_with_imported_dataset(tmp_path_factory.mktemp("small"), 4, 2.56, (0.5, 0.0, 0.5))


def test_evaluate_streams_every_test_clip_and_the_device_equals_the_host_on_every_window(small, tmp_path):
    project = load_project(small)
    assert "test" not in project.dataset            # no recording written by hand
    result = evaluate_emulated(project, tmp_path / "fw")
    clips = len(dataset_of(project).split("test"))
    assert result["sample_source"] == "host-stream" and result["clips"] == clips == 8
    # 256 samples per clip, window 128 hop 64: 3 windows each, from a fresh pipeline per clip
    assert result["windows"] == result["device_windows"] == result["host_windows"] == 3 * clips
    assert result["agreement"] == 1.0
    assert result["device_accuracy"] == result["host_accuracy"] is not None
    assert result["max_score_diff"] <= 1e-5
    assert result["exit_code"] == 0
    assert result["confusion"] == result["host_confusion"]
    assert result["confusion"]["labels"][:4] == list(LABELS)
    assert sum(map(sum, result["confusion"]["matrix"])) == result["scored_windows"] == 3 * clips
    truth_rows = [sum(row) for row in result["confusion"]["matrix"]]
    assert truth_rows == [3 * clips // 4] * 4


def test_run_cli_on_an_imported_dataset_prints_the_streamed_results(small, tmp_path):
    r = subprocess.run([sys.executable, "-m", "studio", "run", str(small), "--emulate", "--count", "4", "--json",
                        "--out", str(tmp_path / "fw")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["type"] == "hello"
    assert [x["seq"] for x in lines if x["type"] == "inference"] == [0, 1, 2, 3]
    assert not any(x["type"] == "need" for x in lines)   # the stream's requests are the host's business
    assert lines[-1]["type"] == "summary" and lines[-1]["malformed"] == 0


def test_a_test_split_larger_than_the_flash_builds_without_it(tmp_path):
    path = gesture_with_imported_dataset(tmp_path, 40, 10.0, (0.2, 0.0, 0.8))
    project = load_project(path)
    board = boards().get("qemu-mps2-an386")
    test_bytes = len(dataset_of(project).split("test")) * 1000 * 3 * 4
    assert test_bytes > board.flash_budget_bytes
    report = validate_project(project, board)
    assert report.ok, [i.message for i in report.issues]
    assert RECORDING_KEY not in report.flash.by_node and HOST_STREAM_KEY in report.ram.by_node
    outcome = build(project, tmp_path / "fw", board)
    assert outcome.generated.sample_source == "host-stream"
    assert outcome.measured["flash_bytes"] < board.flash_budget_bytes // 10 < test_bytes


def test_evaluate_cli_prints_the_confusion_matrix_of_the_streamed_split(small, tmp_path):
    r = subprocess.run([sys.executable, "-m", "studio", "evaluate", str(small), "--emulate",
                        "--out", str(tmp_path / "fw")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    at = lines.index("confusion (rows: true, columns: predicted)")
    assert lines[at + 1].split() == list(LABELS)
    rows = [line.split() for line in lines[at + 2:at + 6]]
    assert [row[0] for row in rows] == list(LABELS) and sum(int(n) for row in rows for n in row[1:]) == 24


def test_a_stream_filter_and_a_smoother_start_from_rest_on_every_streamed_clip(small, tmp_path):
    """A lowpass on the stream and a smoother after the model keep state across samples and
    inferences; the host reference runs each clip from rest, so the board must reset both per clip."""
    project = load_project(small)
    g = project.graph
    g.disconnect(next(e for e in g.edges_into("window")))
    g.add_node("dsp.biquad", {"kind": "lowpass", "cutoff_hz": 5.0, "sample_rate_hz": float(RATE_HZ)},
               node_id="lowpass")
    g.connect("imu", "out", "lowpass", "in")
    g.connect("lowpass", "out", "window", "in")
    g.disconnect(next(e for e in g.edges_into("serial")))
    g.add_node("outputs.smoother", {"windows": 2, "mode": "average"}, node_id="steady")
    g.connect("classifier", "scores", "steady", "scores")
    g.connect("steady", "scores", "serial", "scores")
    result = evaluate_emulated(project, tmp_path / "fw")
    assert result["windows"] == result["host_windows"] == 24
    assert result["agreement"] == 1.0 and result["max_score_diff"] <= 1e-5
