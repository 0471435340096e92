"""Optimize: model.keras → Prune channels → Quantize int8, run on the project's own features."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from nodes.model import TfliteModel
from studio.core.optimization import current_recipe, optimization_steps, stale_int8_models
from studio.core.project import save_project
from studio.core.validate import validate_project
from studio.ml.errors import MLError
from studio.ml.optimize import optimize_project, recipe, with_optimized_model
from studio.ml.pipeline import context, host_inference, int8_model
from studio.ml.recipe import StageSpec, linear_project
from studio.ml.workflow import train_project, trained_model_props, with_trained_model
from tests.ml.test_workflow import LABELS, WINDOW, tiny_project


def keras_chain(project, model_file: str, *steps: StageSpec, board: str = "nano33ble"):
    """The tiny project's pipeline with a float Keras model and the given optimization steps."""
    stages = [StageSpec("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": 100.0}),
              StageSpec("win", "dsp.window", {"window": WINDOW, "hop": WINDOW}),
              StageSpec("stats", "dsp.stats", {}),
              StageSpec("model", "model.keras", {"model": model_file, "labels": list(LABELS)}),
              *steps, StageSpec("serial", "outputs.serial", {})]
    chain = linear_project("t", board, stages, project.dir)
    chain.dataset = copy.deepcopy(project.dataset)
    return chain


PRUNE = StageSpec("prune", "quantize.prune", {"fraction": 0.25, "fine_tune_epochs": 2})
INT8 = StageSpec("int8", "quantize.int8", {"n_samples": 8})


@pytest.fixture(scope="module")
def optimized(tmp_path_factory):
    """(project, outcome, progress texts) of one Optimize run with pruning."""
    base = tiny_project(tmp_path_factory.mktemp("opt"))
    trained = train_project(base, "dense", {"units": 16, "layers": 2}, epochs=6, batch_size=4, seed=0)
    project = keras_chain(base, trained.float_model_path, PRUNE, INT8)
    save_project(project)
    seen = []
    outcome = optimize_project(project, progress=lambda f, text: seen.append((f, text)))
    return project, outcome, seen


def test_pruning_reports_the_macs_and_flash_it_saved(optimized):
    _, o, _ = optimized
    (p,) = o.prunes
    assert p.node == "prune" and p.units_before == (16, 8, 2) and p.units_after == (12, 6, 2)
    assert p.macs_before == 15 * 16 + 16 * 8 + 8 * 2 and p.macs_after == 15 * 12 + 12 * 6 + 6 * 2
    assert p.flash_bytes_after < p.flash_bytes_before and p.params_after < p.params_before
    j = o.to_json()["prune"][0]
    assert j["macs_saved"] == p.macs_before - p.macs_after > 0 and j["flash_bytes_saved"] > 0


def test_quantization_reports_float_vs_int8_accuracy_and_per_layer_sizes(optimized):
    project, o, _ = optimized
    assert o.evaluated_on == "test" and o.samples == project.dataset["split"]["test"]
    assert 0.0 <= o.float_accuracy <= 1.0 and 0.0 <= o.int8_accuracy <= 1.0
    assert [la.kind for la in o.layers] == ["Dense"] * 3
    assert [la.params for la in o.layers] == [15 * 12 + 12, 12 * 6 + 6, 6 * 2 + 2]   # the pruned model
    assert all(la.float_bytes == 4 * la.params and la.int8_bytes < la.float_bytes for la in o.layers)
    assert o.float_bytes == sum(la.float_bytes for la in o.layers)


def test_files_are_written_and_the_device_figures_are_the_compilers(optimized):
    from codegen.model.analysis import analyze_tflite

    project, o, _ = optimized
    assert o.int8_model == "models/model.int8.tflite" and o.pruned_model == "models/model.pruned.keras"
    assert (project.dir / o.pruned_model).is_file()
    s = analyze_tflite(project.dir / o.int8_model)
    assert o.device == {"arena_bytes": s.arena_bytes, "flash_bytes": s.flash_bytes, "macs": s.macs}
    assert not [p for p in (project.dir / "models").iterdir() if p.name.startswith(".")]


def test_progress_names_each_stage_and_fine_tuning_epoch(optimized):
    _, _, seen = optimized
    texts = [t for _, t in seen]
    assert texts[0].startswith("making features")
    assert [t.split(":")[0] for t in texts if t.startswith("fine-tuning")] == [
        "fine-tuning 'prune' epoch 1/2", "fine-tuning 'prune' epoch 2/2"]
    assert any(t.startswith("quantizing") for t in texts) and texts[-1].startswith("wrote models/model.int8")
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_the_optimized_model_is_what_validation_charges_and_the_host_runs(optimized):
    project, o, _ = optimized
    applied = with_optimized_model(project, o)
    report = validate_project(applied)
    assert report.ok and not [i for i in report.issues if i.node == "model"]
    ctx = context(applied)
    inputs = {"in": report.specs[("stats", "out")]}
    outputs = {"scores": report.specs[("model", "scores")]}
    exact = TfliteModel().cost(inputs, outputs, {"model": o.int8_model}, ctx)
    assert report.costs["model"].ram_bytes == exact.ram_bytes and report.costs["model"].flash_bytes == exact.flash_bytes
    assert report.flash.by_node["model"] == o.device["flash_bytes"]
    assert int8_model(applied).output_shape[-1] == len(LABELS)
    stream = np.zeros((3 * WINDOW, 3), np.float32)
    assert len(host_inference(applied, stream)) == 3
    # before Optimize the same pipeline says its figures are an estimate
    before = validate_project(project)
    assert any("estimate" in i.message for i in before.issues if i.node == "model")


def test_changing_the_recipe_or_the_float_model_makes_the_int8_model_stale(optimized):
    project, o, _ = optimized
    applied = with_optimized_model(project, o)
    assert stale_int8_models(applied.graph, context(applied)) == []
    applied.graph.set_property("prune", "fraction", 0.5)
    ((node, message),) = stale_int8_models(applied.graph, context(applied))
    assert node == "model" and "run Optimize again" in message
    assert any("run Optimize again" in i.message for i in validate_project(applied).issues)
    applied.graph.set_property("prune", "fraction", 0.25)
    applied.graph.set_property("int8", "max_drop_points", 5.0)      # a report setting, not the model's
    assert stale_int8_models(applied.graph, context(applied)) == []
    assert current_recipe(applied.graph, applied.graph.node("model"), context(applied)) == o.recipe


def test_cancel_writes_nothing(tmp_path):
    base = tiny_project(tmp_path)
    trained = train_project(base, "dense", {"units": 8, "layers": 1}, epochs=1, batch_size=4, seed=0)
    project = keras_chain(base, trained.float_model_path,
                          StageSpec("prune", "quantize.prune", {"fraction": 0.5, "fine_tune_epochs": 5}), INT8)
    seen = []
    o = optimize_project(project, progress=lambda f, t: seen.append(t),
                         cancelled=lambda: any(t.startswith("fine-tuning") for t in seen))
    assert o.cancelled and o.int8_model == "" and not o.to_json()["ok"]
    assert sorted(p.name for p in (project.dir / "models").iterdir()) == ["model.keras", "model.tflite"]
    with pytest.raises(MLError, match="cancelled"):
        with_optimized_model(project, o)


def test_quantize_only_without_a_dataset_calibrates_on_a_file(tmp_path):
    base = tiny_project(tmp_path)
    trained = train_project(base, "dense", {"units": 8, "layers": 1}, epochs=1, batch_size=4, seed=0)
    rng = np.random.default_rng(0)
    np.save(base.dir / "rep.npy", rng.normal(size=(16, 5, 3)).astype(np.float32))
    project = keras_chain(base, trained.float_model_path,
                          StageSpec("int8", "quantize.int8", {"representative": "file",
                                                              "representative_file": "rep.npy"}))
    project.dataset = {}
    o = optimize_project(project)
    assert o.prunes == () and o.pruned_model == "" and o.float_accuracy is None
    assert any("no dataset" in w for w in o.warnings)
    assert (project.dir / o.int8_model).is_file()


@pytest.mark.parametrize("steps, message", [
    ((), "add a Quantize int8 node"),
    ((INT8, PRUNE), "put pruning before"),
    ((StageSpec("dr", "quantize.dynamic_range", {}),), "device cannot run"),
])
def test_a_pipeline_that_describes_no_int8_recipe_is_refused_by_name(tmp_path, steps, message):
    base = tiny_project(tmp_path)
    project = keras_chain(base, "models/none.keras", *steps)
    with pytest.raises(MLError, match=message):
        recipe(project)


def test_an_int8_model_node_is_told_optimize_works_on_float_models(tmp_path):
    base = tiny_project(tmp_path)
    with pytest.raises(MLError, match="already an int8 .tflite"):
        recipe(base)


def test_pruning_needs_a_labelled_dataset(tmp_path):
    base = tiny_project(tmp_path)
    trained = train_project(base, "dense", {"units": 8, "layers": 1}, epochs=1, batch_size=4, seed=0)
    project = keras_chain(base, trained.float_model_path, PRUNE, INT8)
    project.dataset = {}
    with pytest.raises(MLError, match="import a dataset"):
        optimize_project(project)


def test_optimization_steps_follow_the_scores_through_quantize_nodes_only(tmp_path):
    base = tiny_project(tmp_path)
    project = keras_chain(base, "m.keras", PRUNE, INT8)
    assert [n.id for n in optimization_steps(project.graph, "model")] == ["prune", "int8"]
    assert optimization_steps(project.graph, "serial") == []


def test_a_trained_model_goes_to_a_keras_node_as_its_float_file(tmp_path):
    base = tiny_project(tmp_path)
    trained = train_project(base, "dense", {"units": 4, "layers": 1}, epochs=1, batch_size=4, seed=0)
    assert trained_model_props("model.tflite", trained) == {"model": "models/model.tflite",
                                                           "labels": list(trained.labels)}
    assert trained_model_props("model.keras", trained) == {"model": "models/model.keras", "int8_model": "",
                                                           "int8_recipe": "", "labels": list(trained.labels)}
    project = keras_chain(base, "", INT8)
    assert with_trained_model(project, trained).graph.node("model").props["model"] == "models/model.keras"
    assert project.graph.node("model").props["model"] == ""      # a copy: the caller saves it


def test_device_source_skips_the_optimization_nodes_the_firmware_passes_through(tmp_path):
    from studio.core.optimization import device_source

    project = keras_chain(tiny_project(tmp_path), "m.keras", PRUNE, INT8)
    assert device_source(project.graph, "int8", "scores") == ("model", "scores")
    assert device_source(project.graph, "prune", "scores") == ("model", "scores")
    assert device_source(project.graph, "stats", "out") == ("stats", "out")


def test_float16_recipe_makes_a_float16_model_the_device_runs(tmp_path):
    """Keras model -> Quantize float16: Optimize writes a float16-weight .tflite (no calibration),
    the compiler runs it as a float model with half the weight bytes of float32, and validation
    charges that plan."""
    from codegen.model.analysis import analyze_tflite

    base = tiny_project(tmp_path)
    trained = train_project(base, "dense", {"units": 8, "layers": 1}, epochs=1, batch_size=4, seed=0)
    project = keras_chain(base, trained.float_model_path, StageSpec("f16", "quantize.float16", {}))
    save_project(project)
    o = optimize_project(project)
    assert o.int8_model.endswith(".float16.tflite") and o.int8_accuracy is not None
    s = analyze_tflite(project.dir / o.int8_model)
    assert s.float_model and s.supported
    optimized = with_optimized_model(project, o)
    report = validate_project(optimized)
    assert report.ok, [i.message for i in report.issues if i.severity == "error"]
    assert report.ram.by_node["model"] >= s.arena_bytes
