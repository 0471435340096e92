"""A float Keras pipeline end to end: `tinyml-studio optimize` prunes, fine-tunes and quantizes it
as its nodes say, then the firmware built from it runs on the emulated board and every window
equals the host reference of the same int8 model; `check` charges the compiled model."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.actions import build, run_emulated
from studio.cli import main
from studio.core.project import load_project, save_project
from studio.ml.pipeline import host_inference
from studio.ml.recipe import StageSpec, linear_project
from studio.ml.workflow import train_project
from tests.ml.test_workflow import LABELS, WINDOW, tiny_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def optimized(tmp_path_factory):
    """(project path, optimize --json output) of a replayed-stream pipeline optimized by the CLI."""
    base = tiny_project(tmp_path_factory.mktemp("opt-e2e"))
    trained = train_project(base, "dense", {"units": 16, "layers": 2}, epochs=40, batch_size=4, seed=0)
    rng = np.random.default_rng(3)
    t = np.arange(12 * WINDOW) / 100.0
    shake = 1.5 * np.sin(2 * np.pi * 7 * t)[:, None] * np.ones(3)
    still = 0.05 * rng.normal(size=(t.size, 3))
    blocks = (np.arange(t.size) // (2 * WINDOW)) % 2 == 0
    stream = np.where(blocks[:, None], shake + 0.05 * rng.normal(size=shake.shape), still).astype(np.float32)
    np.save(base.dir / "stream.npy", stream)
    stages = [StageSpec("replay", "sensors.replay", {"file": "stream.npy", "channels": 3, "rate_hz": 100.0}),
              StageSpec("win", "dsp.window", {"window": WINDOW, "hop": WINDOW}),
              StageSpec("stats", "dsp.stats", {}),
              StageSpec("model", "model.keras", {"model": trained.float_model_path, "labels": list(LABELS)}),
              StageSpec("prune", "quantize.prune", {"fraction": 0.25, "fine_tune_epochs": 2}),
              StageSpec("int8", "quantize.int8", {"n_samples": 8}),
              StageSpec("serial", "outputs.serial", {})]
    project = linear_project("optimized", "qemu-mps2-an386", stages, base.dir, dataset=base.dataset)
    path = save_project(project)
    r = subprocess.run([sys.executable, "-m", "studio", "optimize", str(path), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return path, json.loads(r.stdout)


def test_the_cli_reports_and_records_the_optimized_model(optimized):
    path, j = optimized
    assert j["ok"] and j["int8_model"] == "models/model.int8.tflite" and j["prune"][0]["macs_saved"] > 0
    assert {"float_accuracy", "int8_accuracy", "accuracy_drop", "layers", "device", "warnings"} <= set(j)
    node = load_project(path).graph.node("model")
    assert node.props["int8_model"] == j["int8_model"] and node.props["int8_recipe"] == j["recipe"]


def test_check_charges_the_compiled_int8_model(optimized, capsys):
    path, j = optimized
    assert main(["check", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["flash"]["by_node"]["model"] == j["device"]["flash_bytes"]
    assert not [i for i in report["issues"] if i["node"] == "model"]


def test_every_window_on_the_emulated_board_equals_the_host_reference(optimized, tmp_path):
    path, _ = optimized
    project = load_project(path)
    device = run_emulated(project, tmp_path / "fw").inferences()
    host = host_inference(project)
    assert len(host) == 12 and len(device) >= len(host)
    assert [d["label"] for d in device[: len(host)]] == [h.label for h in host]
    assert max(abs(a - b) for d, h in zip(device, host) for a, b in zip(d["scores"], h.scores)) <= 1e-5
    assert {h.label for h in host} == set(LABELS)     # the stream alternates shaking and still blocks


def test_estimated_sizes_land_within_10_percent_of_the_build(optimized, tmp_path):
    path, _ = optimized
    j = build(load_project(path), tmp_path / "fw").to_json()
    for key in ("flash_bytes", "ram_bytes"):
        assert abs(j["error_percent"][key]) <= 10.0, j


def test_a_stale_int8_model_is_flagged_by_check(optimized, tmp_path, capsys):
    path, _ = optimized
    project = load_project(path)
    project.graph.set_property("prune", "fraction", 0.5)
    project.path = tmp_path / "stale.tinyml"
    for rel in ("stream.npy", "models/model.keras", "models/model.int8.tflite"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes((path.parent / rel).read_bytes())
    project.dataset = {}
    save_project(project)
    assert main(["check", str(project.path), "--json"]) == 0       # a warning, not an error
    issues = json.loads(capsys.readouterr().out)["issues"]
    assert any(i["node"] == "model" and "run Optimize again" in i["message"] for i in issues)


def test_optimize_of_an_int8_pipeline_says_why_and_exits_1(capsys):
    assert main(["optimize", str(ROOT / "sample_projects" / "gesture" / "gesture.tinyml")]) == 1
    err = capsys.readouterr().err
    assert "already an int8 .tflite" in err and "Traceback" not in err


def test_optimize_of_a_missing_project_is_bad_input(capsys, tmp_path):
    assert main(["optimize", str(tmp_path / "nope.tinyml")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_checking_an_optimized_pipeline_loads_no_tensorflow(optimized):
    path, _ = optimized
    code = ("import sys; from studio.core.project import load_project; from studio.core.validate import "
            f"validate_project; r = validate_project(load_project({str(path)!r})); "
            "print(r.ok, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["True", "False", "False"], r.stderr
