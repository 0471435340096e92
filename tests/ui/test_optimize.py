"""The "Optimize model…" dialog on the real window: it describes the graph's recipe, runs pruning
and int8 quantization with the real workflow (TensorFlow) as a job, shows accuracy, savings and
per-layer sizes, hands the int8 model to the model node through the undo stack, and cancels."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.project import Project, dumps, load_project, save_project
from studio.ml.recipe import StageSpec
from studio.ml.workflow import train_project
from studio.ui.commands import SetProperty
from studio.ui.optimize import OptimizeDialog, install_optimize_tools
from studio.ui.job_dialog import run_menu
from tests.ui.test_training import LABELS, TRAINING_TIMEOUT_MS, _close, _make_window
from tests.ui.test_training import tiny_project as tiny_tflite_project


def keras_project(folder: Path, fine_tune_epochs: int = 1) -> Project:
    """The training test's tiny project with a trained float model → Prune channels → Quantize int8."""
    from studio.ml.recipe import linear_project

    base = tiny_tflite_project(folder)
    trained = train_project(base, "dense", {"units": 8, "layers": 2}, epochs=1, batch_size=4, seed=0)
    stages = [StageSpec("imu", "sensors.accelerometer", {"rate_hz": 50.0}),
              StageSpec("window", "dsp.window", {"window": 32, "hop": 32}), StageSpec("stats", "dsp.stats", {}),
              StageSpec("classifier", "model.keras", {"model": trained.float_model_path, "labels": list(LABELS)}),
              StageSpec("prune", "quantize.prune", {"fraction": 0.25, "fine_tune_epochs": fine_tune_epochs}),
              StageSpec("int8", "quantize.int8", {"n_samples": 8})]
    project = linear_project("tiny", "nano33ble", stages, base.dir, dataset=base.dataset)
    project.path = base.path
    save_project(project)
    return load_project(project.path)


def _open(window) -> OptimizeDialog:
    install_optimize_tools(window)
    action = next(a for a in run_menu(window).actions() if a.text().replace("&", "") == "Optimize model…")
    action.trigger()
    return window.findChild(OptimizeDialog)


def _run(qtbot, dialog: OptimizeDialog) -> None:
    dialog.run_button.click()
    assert dialog.job is not None
    with qtbot.waitSignal(dialog.job.finished, timeout=TRAINING_TIMEOUT_MS):
        pass


@pytest.fixture
def keras_window(qtbot, tmp_path):
    w = _make_window(qtbot, keras_project(tmp_path))
    yield w
    _close(w)


def test_the_dialog_describes_the_recipe_the_graph_holds(keras_window):
    dialog = _open(keras_window)
    text = dialog.recipe_label.text()
    assert "classifier" in text and "remove 25% of units" in text and "Quantize int8 (int8)" in text
    doc = keras_window.doc
    doc.execute(SetProperty(doc.graph, "prune", "fraction", 0.5))
    dialog.refresh_recipe()
    assert "remove 50% of units" in dialog.recipe_label.text()


def test_installing_twice_adds_one_menu_entry(window):
    install_optimize_tools(window)
    install_optimize_tools(window)
    assert [a.objectName() for a in run_menu(window).actions()].count("optimize_model") == 1


def test_an_int8_pipeline_is_told_what_optimize_needs(qtbot, tmp_path):
    w = _make_window(qtbot, tiny_tflite_project(tmp_path))
    try:
        dialog = _open(w)
        assert "already an int8 .tflite" in dialog.recipe_label.text()
        before = dumps(w.doc.project)
        _run(qtbot, dialog)
        assert dialog.status_label.text().startswith("Optimize failed:") and "Traceback" not in dialog.status_label.text()
        assert dumps(w.doc.project) == before
    finally:
        _close(w)


def _model_flash(doc) -> int:
    return doc.report.flash.by_node.get("classifier", -1) if doc.report is not None else -1


def test_optimize_shows_savings_and_layers_and_use_is_one_undoable_step(qtbot, keras_window):
    doc = keras_window.doc
    dialog = _open(keras_window)
    _run(qtbot, dialog)
    assert dialog.results.isVisible(), dialog.status_label.text()
    o = dialog.result.outcome
    assert "float" in dialog.accuracy_label.text() and "int8" in dialog.accuracy_label.text()
    assert "MACs" in dialog.prune_label.text() and "[8, 4, 2] → [6, 3, 2]" in dialog.prune_label.text()
    assert f"flash {o.device['flash_bytes']:,} B" in dialog.device_label.text()
    rows = dialog.layers.rows()
    assert [r[0] for r in rows][-1] == "total" and len(rows) == len(o.layers) + 1 == 4
    estimate = _model_flash(doc)
    assert doc.graph.node("classifier").props["int8_model"] == ""
    steps = doc.undo_stack.count()
    dialog.use_button.click()
    assert doc.undo_stack.count() == steps + 1
    assert doc.graph.node("classifier").props["int8_model"] == o.int8_model
    assert doc.graph.node("classifier").props["int8_recipe"] == o.recipe
    # the budgets now charge the compiled int8 model, not the float estimate
    qtbot.waitUntil(lambda: _model_flash(doc) == o.device["flash_bytes"], timeout=20_000)
    assert estimate != o.device["flash_bytes"]
    assert not [i for i in doc.report.issues if i.node == "classifier"]
    doc.undo_stack.undo()
    assert doc.graph.node("classifier").props["int8_model"] == "" and doc.graph.node("classifier").props["int8_recipe"] == ""
    qtbot.waitUntil(lambda: _model_flash(doc) == estimate, timeout=20_000)


def test_cancel_during_fine_tuning_leaves_the_project_unchanged(qtbot, tmp_path):
    w = _make_window(qtbot, keras_project(tmp_path, fine_tune_epochs=500))
    try:
        doc = w.doc
        before, steps = dumps(doc.project), doc.undo_stack.count()
        dialog = _open(w)
        dialog.run_button.click()
        job = dialog.job
        with qtbot.waitSignal(job.progressed, timeout=TRAINING_TIMEOUT_MS,
                              check_params_cb=lambda _f, text: text.startswith("fine-tuning")):
            pass
        with qtbot.waitSignal(job.finished, timeout=TRAINING_TIMEOUT_MS):
            dialog.cancel_button.click()
        assert "cancelled" in dialog.status_label.text()
        assert dumps(doc.project) == before and doc.undo_stack.count() == steps
        assert not (doc.project.dir / "models" / "model.int8.tflite").exists()
    finally:
        _close(w)
