"""Training users can trust: early stopping keeps the best epoch, a per-epoch hook for curves,
warnings for near-chance, unbalanced or small data, labels written on use, evaluate's refusals."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.core.templates import new_project
from studio.core.project import load_project
from studio.ml.importer import apply_import, plan_import
from studio.ml.train import build_model, train
from studio.ml.workflow import default_kind, train_project, with_trained_model
from tests.ml.import_helpers import mic_project, wav_tree
from tests.ml.ml_helpers import blobs

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _imported(tmp_path, *trees):
    project = mic_project(tmp_path / "proj")
    for tree in trees:
        apply_import(project, plan_import(project, tree, split=(0.6, 0.2, 0.2)))
    return project


def test_early_stopping_ends_with_the_best_epochs_weights():
    x, y = blobs(30, seed=1)
    vx, vy = blobs(10, seed=2)
    model = build_model("dense", (8,), 3, units=16, layers=1)
    result = train(model, x, y, epochs=40, batch_size=8, validation=(vx, vy), seed=0, patience=3)
    best = min(result.history["val_loss"])
    assert result.best_epoch == result.history["val_loss"].index(best) + 1
    assert result.loss == pytest.approx(best, rel=1e-4)


def test_each_epoch_reaches_the_hook_with_train_and_validation_figures(tmp_path):
    project = _imported(tmp_path, wav_tree(tmp_path / "src"))
    seen = []
    outcome = train_project(project, "dense", {"units": 4, "layers": 1}, epochs=3, batch_size=8,
                            on_epoch=lambda e, logs: seen.append((e, sorted(logs))), patience=None)
    assert [e for e, _ in seen] == [1, 2, 3] and outcome.epochs_run == 3
    assert seen[0][1] == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_a_dataset_small_for_the_model_gets_a_warning(tmp_path):
    project = _imported(tmp_path, wav_tree(tmp_path / "src"))
    outcome = train_project(project, "dense", {"units": 32, "layers": 1}, epochs=1)
    assert any("small for the model" in w for w in outcome.warnings)


def test_classes_unbalanced_more_than_3_to_1_get_a_warning(tmp_path):
    project = _imported(tmp_path, wav_tree(tmp_path / "a", labels=("hi",), per_label=20),
                        wav_tree(tmp_path / "b", labels=("hi", "lo"), per_label=5))  # its hi clips are duplicates
    outcome = train_project(project, "dense", {"units": 4, "layers": 1}, epochs=1)
    assert any("unbalanced more than 3:1" in w for w in outcome.warnings)


def test_validation_accuracy_near_chance_gets_a_warning(tmp_path):
    src = wav_tree(tmp_path / "src", labels=("hi", "lo"))
    for f in (src / "lo").iterdir():   # both classes the same sound: nothing to learn
        f.write_bytes((src / "hi" / f.name.replace("lo", "hi")).read_bytes()[:-2] + b"\x01\x00")
    project = _imported(tmp_path, src)
    outcome = train_project(project, "dense", {"units": 4, "layers": 1}, epochs=2, patience=None)
    assert any("near chance" in w for w in outcome.warnings)


def test_the_model_family_follows_the_feature_shape():
    assert [default_kind(s) for s in [(49, 10), (12, 16, 1), (96,), (128, 1)]] == ["dscnn", "cnn2d", "dense", "dense"]


def test_using_the_model_writes_the_dataset_labels_on_the_model_and_the_alert(tmp_path):
    path = new_project(tmp_path / "vib", "vibration", "nano33ble")
    project = load_project(path)

    class Outcome:
        cancelled, model_path, float_model_path = False, "models/m.tflite", "models/m.keras"
        labels = ("ok", "broken")

    used = with_trained_model(project, Outcome())
    assert used.graph.node("classifier").props["labels"] == ["ok", "broken"]
    assert used.graph.node("alert").props["label"] == "broken"


def _cli(*args):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=env)


def test_evaluate_without_labels_exits_1_saying_why(tmp_path):
    path = new_project(tmp_path / "k", "kws", "qemu-mps2-an386")
    r = _cli("evaluate", str(path), "--emulate")
    assert r.returncode == 1 and "accuracy cannot be computed" in r.stderr and "no labels" in r.stderr


def test_evaluate_without_a_test_split_exits_1_saying_why(tmp_path):
    project = mic_project(tmp_path / "proj")
    apply_import(project, plan_import(project, wav_tree(tmp_path / "src"), split=(0.8, 0.2, 0.0)))
    from studio.core.project import save_project

    save_project(project)
    r = _cli("evaluate", str(project.path), "--emulate")
    assert r.returncode == 1 and "no test split" in r.stderr
