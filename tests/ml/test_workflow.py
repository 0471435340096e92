"""Training in the app: an imported dataset → the pipeline's features → an int8 model in the project."""
from __future__ import annotations

import numpy as np
import pytest

from studio.ml.errors import MLError
from studio.ml.importer import import_folder
from studio.ml.recipe import StageSpec
from studio.ml.workflow import confusion_matrix, features, model_node_id, train_project
from tests.ml.ml_helpers import chain_project

LABELS = ("shake", "still")   # the importer orders labels by name
WINDOW = 32


def _write_csv(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x,y,z\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in data))


def tiny_project(tmp_path):
    """accelerometer → window 32 → stats (5 per axis) → model, with 8 clips per label imported."""
    rng = np.random.default_rng(5)
    t = np.arange(40) / 100.0
    for i in range(8):
        _write_csv(tmp_path / "src" / "still" / f"{i}.csv", 0.05 * rng.normal(size=(40, 3)))
        wave = 1.5 * np.sin(2 * np.pi * 7 * t + rng.uniform(0, 6))[:, None] * np.ones(3)
        _write_csv(tmp_path / "src" / "shake" / f"{i}.csv", wave + 0.05 * rng.normal(size=(40, 3)))
    folder = tmp_path / "proj"
    folder.mkdir()
    project = chain_project(folder, StageSpec("win", "dsp.window", {"window": WINDOW, "hop": WINDOW}),
                            StageSpec("stats", "dsp.stats", {}), labels=LABELS)
    import_folder(project, tmp_path / "src", split=(0.5, 0.25, 0.25), seed=1)
    return project


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(project, outcome, progress calls) of one 2-epoch run, shared by the tests that read it."""
    project = tiny_project(tmp_path_factory.mktemp("wf"))
    calls = []
    outcome = train_project(project, "dense", {"units": 8, "layers": 1}, epochs=2, batch_size=4,
                            progress=lambda f, text: calls.append((f, text)), seed=0)
    return project, outcome, calls


def test_features_are_made_by_the_pipeline_dsp(tmp_path):
    project = tiny_project(tmp_path)
    x, y = features(project, "train")
    assert x.shape == (8, 5, 3) and sorted(y.tolist()) == [0] * 4 + [1] * 4
    # the stats node's max row: a shaking clip peaks far above a still one
    assert x[y == 0][:, 4].mean() > 1.0 > x[y == 1][:, 4].mean()


def test_training_reports_accuracies_and_a_test_confusion_matrix(trained):
    project, outcome, _ = trained
    assert not outcome.cancelled and outcome.epochs_run == 2
    assert 0.0 <= outcome.float_accuracy <= 1.0 and 0.0 <= outcome.int8_accuracy <= 1.0
    test_count = project.dataset["split"]["test"]
    assert test_count == 4 and sum(map(sum, outcome.confusion)) == test_count
    assert outcome.labels == LABELS and outcome.evaluated_on == "test"
    # labels, channels and rate of the dataset match the pipeline (an int8 drop may still warn)
    assert not [w for w in outcome.warnings if "labels" in w or "sensor" in w]
    diagonal = sum(outcome.confusion[i][i] for i in range(len(LABELS)))
    assert outcome.int8_accuracy == pytest.approx(diagonal / test_count)
    assert all(len(v) == 2 for v in outcome.history.values()) and "loss" in outcome.history


def test_training_writes_an_int8_model_the_compiler_accepts(trained):
    from codegen.model.analysis import analyze_tflite

    project, outcome, _ = trained
    assert outcome.model_path == "models/model.tflite"
    path = project.dir / outcome.model_path
    summary = analyze_tflite(path)
    assert tuple(summary.inputs[0].shape)[-2:] == (5, 3) and summary.outputs[0].shape[-1] == len(LABELS)
    # the float model is kept for Optimize; no temp file left
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.keras", "model.tflite"]
    assert outcome.float_model_path == "models/model.keras"
    assert [la.kind for la in outcome.layers] == ["Dense", "Dense"]
    assert all(la.int8_bytes < la.float_bytes for la in outcome.layers)
    assert project.graph.node("model").props["model"] == ""               # the graph is the UI's to edit


def test_progress_is_told_each_epoch_with_loss_and_accuracy(trained):
    _, _, calls = trained
    epochs = [text for _, text in calls if text.startswith("epoch ")]
    assert [t.split(":")[0] for t in epochs] == ["epoch 1/2", "epoch 2/2"]
    assert all("loss" in t and "accuracy" in t for t in epochs)
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_cancel_stops_after_the_epoch_and_writes_no_model(tmp_path):
    project = tiny_project(tmp_path)
    seen = []
    outcome = train_project(project, "dense", {"units": 4, "layers": 1}, epochs=5, batch_size=4,
                            progress=lambda f, text: seen.append(text),
                            cancelled=lambda: any(t.startswith("epoch 1/") for t in seen))
    assert outcome.cancelled and outcome.epochs_run == 1
    assert outcome.model_path == "" and outcome.int8_accuracy is None
    assert not (project.dir / "models").exists()


def test_model_node_is_found_by_type(tmp_path):
    project = chain_project(tmp_path)
    assert model_node_id(project) == "model"
    project.graph.remove_node("model")
    with pytest.raises(MLError, match="exactly one model node"):
        model_node_id(project)


def test_training_without_an_imported_dataset_is_refused(tmp_path):
    with pytest.raises(MLError, match="import"):
        train_project(chain_project(tmp_path), epochs=1)


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    assert confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3) == ((1, 1, 0), (0, 1, 0), (1, 0, 0))


def test_images_become_features_through_the_pipeline(tmp_path):
    from tests.ml.import_helpers import write_image

    rng = np.random.default_rng(4)
    for label in ("cat", "dog"):
        for i in range(2):
            write_image(tmp_path / "src" / label / f"{i}.png", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    (tmp_path / "proj").mkdir()
    project = chain_project(tmp_path / "proj", sensor=StageSpec(
        "cam", "sensors.camera", {"width": 8, "height": 8, "color": "rgb"}))
    import_folder(project, tmp_path / "src", split=(0.5, 0.5, 0.0))
    x, y = features(project, "train")
    assert x.shape == (2, 8, 8, 3) and sorted(y.tolist()) == [0, 1]
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_a_model_node_with_other_labels_gets_a_warning_not_an_edit(tmp_path):
    project = tiny_project(tmp_path)
    project.graph.node("model").props["labels"] = ["b", "a"]
    outcome = train_project(project, "dense", {"units": 4, "layers": 1}, epochs=1, batch_size=8,
                            cancelled=lambda: True)
    assert outcome.cancelled
    assert any("differ from the dataset" in w for w in outcome.warnings)
    assert project.graph.node("model").props["labels"] == ["b", "a"]


def test_importing_the_workflow_modules_loads_no_tensorflow():
    import json
    import subprocess
    import sys

    from tests.ml.ml_helpers import ROOT

    code = ("import sys, json; import studio.ml.importer, studio.ml.workflow, studio.ml.prune; "
            "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'tflite_micro', 'PySide6') "
            "if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == []


def test_a_sensor_with_other_channels_than_the_dataset_gets_a_warning(tmp_path):
    project = tiny_project(tmp_path)
    project.graph.node("imu").props["axes"] = 6
    outcome = train_project(project, epochs=1, cancelled=lambda: True)
    assert any("sensor 'imu' gives 6" in w for w in outcome.warnings)


def test_every_window_of_a_clip_becomes_an_example_with_its_label(tmp_path):
    project = tiny_project(tmp_path)
    project.graph.node("win").props.update({"window": 16, "hop": 8})   # 40 samples: 4 windows
    x_first, y_first = features(project, "train")
    x_all, y_all = features(project, "train", every_window=True)
    assert x_first.shape == (8, 5, 3) and x_all.shape == (32, 5, 3)
    assert y_all.tolist() == np.repeat(y_first, 4).tolist()
    assert np.array_equal(x_all[::4], x_first)


def test_autoencoders_are_not_trained_on_labels(tmp_path):
    with pytest.raises(MLError, match="autoencoder"):
        train_project(tiny_project(tmp_path), "autoencoder", epochs=1)


def test_the_train_verb_trains_reports_json_and_with_use_points_the_model_node_at_it(tmp_path, capsys):
    import json

    from studio.cli import main
    from studio.core.project import load_project, save_project

    path = save_project(tiny_project(tmp_path))
    assert main(["train", str(path), "--epochs", "1", "--batch-size", "4", "--name", "cli", "--json", "--use"]) == 0
    j = json.loads(capsys.readouterr().out)          # TensorFlow's prints went to stderr
    assert j["model"] == "models/cli.tflite" and j["float_model"] == "models/cli.keras"
    assert j["labels"] == list(LABELS) and sum(map(sum, j["confusion"])) == 4
    assert [la["kind"] for la in j["layers"]] and j["project"] == str(path)
    assert load_project(path).graph.node("model").props["model"] == "models/cli.tflite"


def test_the_train_verb_without_a_dataset_says_so_and_exits_1(tmp_path, capsys):
    from studio.cli import main
    from studio.core.project import save_project

    path = save_project(chain_project(tmp_path))
    assert main(["train", str(path), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "dataset" in err and "Traceback" not in err
