"""The committed samples: host int8 inference on their committed test split reproduces the accuracy
their make scripts recorded, and the pipeline's features fit the committed models."""
from __future__ import annotations

import json

import numpy as np
import pytest

from studio.core.project import load_project
from studio.ml.dataset import evaluate_test_split, load_test_split
from studio.ml.pipeline import host_inference, int8_model, model_input_shape, replay_samples
from tests.ml.ml_helpers import SAMPLES

pytestmark = pytest.mark.slow

SAMPLE_NAMES = ("gesture", "kws", "digits", "vibration")


def _project(name: str):
    return load_project(SAMPLES / name / f"{name}.tinyml")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_host_int8_inference_on_the_test_split_reproduces_the_recorded_accuracy(name):
    project = _project(name)
    metrics = project.dataset["metrics"]
    result = evaluate_test_split(project)
    assert result.windows == metrics["test_windows"]
    assert result.correct == metrics["int8_correct_test"]
    assert round(result.accuracy, 4) == metrics["int8_accuracy_test"]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_recorded_int8_accuracy_is_useful(name):
    metrics = _project(name).dataset["metrics"]
    assert metrics["int8_accuracy_test"] >= 0.85
    assert metrics["float_accuracy_validation"] - metrics["int8_accuracy_validation"] <= 0.02


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_metrics_json_beside_the_project_matches_its_dataset_description(name):
    project = _project(name)
    assert json.loads((SAMPLES / name / "metrics.json").read_text()) == project.dataset["metrics"]


def test_kws_replays_one_window_per_one_second_clip_with_the_test_labels_in_order():
    project = _project("kws")
    samples = replay_samples(project)
    results = host_inference(project)  # no samples: the recording the replay sensor plays
    split = load_test_split(project)
    assert len(results) == samples.shape[0] // 16000 == 12
    assert [r.index for r in results] == list(range(12))
    assert sum(r.label == want for r, want in zip(results, split.labels)) >= 10


def test_host_results_carry_dequantized_scores_whose_argmax_is_the_label():
    project = _project("gesture")
    split = load_test_split(project)
    results = host_inference(project, split.segments()[0])
    labels = project.dataset["labels"]
    for r in results:
        assert len(r.scores) == 4
        assert r.label == labels[int(np.argmax(r.scores))]
        assert abs(sum(r.scores) - 1.0) < 0.05  # softmax output, dequantized in steps of 1/256


@pytest.mark.parametrize("name, shape", [("gesture", (32, 3)), ("kws", (49, 10)), ("digits", (8, 8, 1)),
                                         ("vibration", (128, 3))])
def test_the_model_input_shape_is_read_from_the_committed_tflite(name, shape):
    project = _project(name)
    assert model_input_shape(project) == shape
    assert int8_model(project).input_shape == (1,) + shape


def test_vibration_windows_are_anomalous_when_the_reconstruction_error_score_reaches_the_threshold():
    project = _project("vibration")
    threshold = project.dataset["threshold"]
    assert project.graph.node("alert").props["threshold"] == threshold == 1.0
    result = evaluate_test_split(project)
    for r, got in zip(result.results, result.predicted):
        assert len(r.scores) == 1 and r.label == "anomaly"
        assert got == ("anomaly" if r.scores[0] >= threshold else "normal")
    assert set(result.expected) == {"normal", "anomaly"}


def test_vibration_scores_are_the_nodes_reference_on_the_int8_reconstruction_of_the_features():
    from nodes.anomaly import ReconstructionError
    from studio.ml.pipeline import features_for_stream

    project = _project("vibration")
    samples = replay_samples(project)
    model = int8_model(project)
    assert model.output_shape == (1, 384)  # a plain autoencoder: the reconstruction of its input
    feats = features_for_stream(project, samples)
    node = project.graph.node("score")
    want = ReconstructionError().scores(feats, model.scores(feats), node.spec.check_props(node.props))
    got = np.array([r.scores for r in host_inference(project, samples, model)], np.float32)
    np.testing.assert_array_equal(got, want)


def test_digits_runs_the_int8_model_its_optimization_nodes_made():
    from studio.core.optimization import stale_int8_models
    from studio.core.validate import validate_project
    from studio.ml.pipeline import context

    project = _project("digits")
    node = project.graph.node("classifier")
    assert node.type_id == "model.keras" and node.props["int8_model"] == "models/digits.int8.tflite"
    assert [project.graph.node(e.dst).type_id for e in project.graph.edges_from("classifier")] == ["quantize.prune"]
    assert stale_int8_models(project.graph, context(project)) == []
    report = validate_project(project)
    assert report.ok and not [i for i in report.issues if i.severity == "warning"]
    metrics = project.dataset["metrics"]
    assert metrics["prune_macs_after"] < 0.7 * metrics["prune_macs_before"]
    assert metrics["prune_int8_bytes_after"] < metrics["prune_int8_bytes_before"]
    assert metrics["model_int8_bytes"] == (SAMPLES / "digits" / node.props["int8_model"]).stat().st_size
