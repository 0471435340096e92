"""The "Train model…" dialog on the real window: it opens from the Run menu, trains a tiny imported
dataset for one epoch with the real workflow (TensorFlow), shows the confusion matrix, hands the
model to the project through the undo stack, and cancels cleanly."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.dataset import dataset_of
from studio.core.graph import Graph
from studio.core.project import Project, dumps, load_project, save_project
from studio.ml.importer import import_folder
from studio.ui.commands import SetProperty
from studio.ui.job_dialog import run_menu
from studio.ui.training import TrainingDialog, install_training_tools

TRAINING_TIMEOUT_MS = 120_000
LABELS = ("shake", "still")


def tiny_project(folder: Path) -> Project:
    """accelerometer -> window -> stats -> model with a two-label dataset of 10 CSV clips per label,
    imported with the real importer and saved: small enough to train in a second or two."""
    source = folder / "recordings"
    rng = np.random.default_rng(0)
    for label, amplitude in zip(LABELS, (1.0, 0.05)):
        (source / label).mkdir(parents=True)
        for i in range(10):
            clip = amplitude * rng.standard_normal((32, 3))
            rows = ["x,y,z"] + [",".join(f"{v:.5f}" for v in row) for row in clip]
            (source / label / f"{i}.csv").write_text("\n".join(rows) + "\n")
    g = Graph()
    g.add_node("sensors.accelerometer", {"rate_hz": 50.0}, "imu", {"x": 0, "y": 0})
    g.add_node("dsp.window", {"window": 32, "hop": 32}, "window", {"x": 220, "y": 0})
    g.add_node("dsp.stats", {}, "stats", {"x": 440, "y": 0})
    g.add_node("model.tflite", {"labels": list(LABELS)}, "classifier", {"x": 660, "y": 0})
    g.connect("imu", "out", "window", "in")
    g.connect("window", "out", "stats", "in")
    g.connect("stats", "out", "classifier", "in")
    project = Project(name="tiny", board_id="nano33ble", graph=g)
    project.path = folder / "tiny" / "tiny.tinyml"
    project.path.parent.mkdir(parents=True)
    import_folder(project, source)
    save_project(project)
    return load_project(project.path)


def _open_dialog(window) -> TrainingDialog:
    install_training_tools(window)
    action = next(a for a in run_menu(window).actions() if a.text().replace("&", "") == "Train model…")
    action.trigger()
    return window.findChild(TrainingDialog)


def _make_window(qtbot, project):
    from studio.ui.main_window import MainWindow

    w = MainWindow(project)
    w.show()
    qtbot.waitExposed(w)
    return w


def _close(w) -> None:
    w.jobs.cancel_all()
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()


@pytest.fixture
def tiny_window(qtbot, tmp_path):
    w = _make_window(qtbot, tiny_project(tmp_path))
    yield w
    _close(w)


def _train(qtbot, dialog: TrainingDialog, epochs: int = 1) -> None:
    dialog.kind_combo.setCurrentText("dense")
    dialog.size_spin.setValue(8)
    dialog.epochs_spin.setValue(epochs)
    dialog.train_button.click()
    assert dialog.job is not None
    with qtbot.waitSignal(dialog.job.finished, timeout=TRAINING_TIMEOUT_MS):
        pass


def test_run_menu_opens_the_training_dialog(window):
    dialog = _open_dialog(window)
    assert dialog is not None and dialog.isVisible()
    assert dialog.kind_combo.currentText() == "auto" and not dialog.size_spin.isEnabled()
    assert dialog.epochs_spin.value() == 60   # a cap: early stopping ends most runs before it
    dialog.kind_combo.setCurrentText("dense")
    assert dialog.size_label.text() == "Units" and dialog.size_spin.isEnabled()
    dialog.kind_combo.setCurrentText("cnn1d")
    assert dialog.size_label.text() == "Filters"


def test_installing_twice_adds_one_menu_entry(window):
    install_training_tools(window)
    install_training_tools(window)
    assert [a.objectName() for a in run_menu(window).actions()].count("train_model") == 1


def test_an_unsaved_project_is_asked_to_be_saved_first(qtbot):
    w = _make_window(qtbot, None)
    try:
        dialog = _open_dialog(w)
        dialog.train_button.click()
        assert "Save the project first" in dialog.status_label.text()
        assert dialog.job is None and not w.jobs.running()
    finally:
        _close(w)


def test_a_project_without_a_dataset_gets_a_message_not_a_traceback(qtbot, window):
    dialog = _open_dialog(window)
    before = dumps(window.doc.project)
    _train(qtbot, dialog)
    text = dialog.status_label.text()
    assert text.startswith("Training failed:") and "model node" in text and "Traceback" not in text
    assert not dialog.results.isVisible()
    assert dumps(window.doc.project) == before


def test_one_epoch_shows_a_confusion_matrix_over_the_whole_test_split(qtbot, tiny_window):
    dialog = _open_dialog(tiny_window)
    _train(qtbot, dialog)
    assert dialog.results.isVisible(), dialog.status_label.text()
    test_clips = len(dataset_of(tiny_window.doc.project).split("test"))
    counts = dialog.confusion.counts()
    assert len(counts) == 2 and all(len(row) == 2 for row in counts)
    assert sum(map(sum, counts)) == test_clips > 0
    assert [dialog.confusion.verticalHeaderItem(i).text() for i in range(2)] == list(LABELS)
    assert "float" in dialog.accuracy_label.text() and "int8" in dialog.accuracy_label.text()
    model = tiny_window.doc.project.dir / dialog.result.outcome.model_path
    assert model.is_file() and model.suffix == ".tflite"
    rows = dialog.layers.rows()   # per-layer sizes of the float model once quantized, and a total
    assert {r[1] for r in rows[:-1]} == {"Dense"} and len(rows) >= 3 and rows[-1][:2] == ["total", ""]
    assert int(rows[-1][4].replace(",", "")) < int(rows[-1][3].replace(",", ""))


def test_the_workflow_warnings_are_shown_with_the_results(qtbot, tiny_window):
    doc = tiny_window.doc
    # an unsaved edit counts: the job trains on a snapshot of the live project, not the file
    doc.execute(SetProperty(doc.graph, "classifier", "labels", list(reversed(LABELS))))
    dialog = _open_dialog(tiny_window)
    _train(qtbot, dialog)
    assert dialog.results.isVisible(), dialog.status_label.text()
    assert dialog.warnings_label.isVisible() and "labels" in dialog.warnings_label.text()


def test_opening_another_project_withdraws_the_offer(qtbot, tiny_window):
    dialog = _open_dialog(tiny_window)
    _train(qtbot, dialog)
    assert dialog.results.isVisible()
    tiny_window.show_project(load_project(tiny_window.doc.project.path))
    assert dialog.result is None and not dialog.results.isVisible()


def _classifier_flash_bytes(doc) -> int:
    return doc.report.flash.by_node.get("classifier", 0) if doc.report is not None else -1


def test_use_this_model_sets_the_model_property_and_undo_restores_it(qtbot, tiny_window):
    doc = tiny_window.doc
    dialog = _open_dialog(tiny_window)
    _train(qtbot, dialog)
    node_id, new_path = dialog.result.node_id, dialog.result.outcome.model_path
    assert node_id == "classifier" and doc.graph.node(node_id).props["model"] == ""
    assert _classifier_flash_bytes(doc) == 0
    dialog.use_button.click()
    assert doc.graph.node(node_id).props["model"] == new_path
    assert doc.dirty
    # live validation reads the new model and counts it in the budgets
    qtbot.waitUntil(lambda: _classifier_flash_bytes(doc) > 0, timeout=20_000)
    doc.undo_stack.undo()
    assert doc.graph.node(node_id).props["model"] == ""
    qtbot.waitUntil(lambda: _classifier_flash_bytes(doc) == 0, timeout=20_000)


def test_a_second_run_writes_a_new_file_instead_of_overwriting(qtbot, tiny_window):
    dialog = _open_dialog(tiny_window)
    _train(qtbot, dialog)
    first = dialog.result.outcome.model_path
    _train(qtbot, dialog)
    assert dialog.result.outcome.model_path != first
    assert (tiny_window.doc.project.dir / first).is_file()


def test_cancel_mid_training_ends_the_job_and_leaves_the_project_unchanged(qtbot, tiny_window):
    doc = tiny_window.doc
    before, undo_steps = dumps(doc.project), doc.undo_stack.count()
    dialog = _open_dialog(tiny_window)
    dialog.epochs_spin.setValue(500)
    dialog.train_button.click()
    job = dialog.job
    with qtbot.waitSignal(job.progressed, timeout=TRAINING_TIMEOUT_MS,
                          check_params_cb=lambda _fraction, text: text.startswith("epoch")):
        pass
    assert dialog.status_label.text().startswith("epoch ") and "loss" in dialog.status_label.text()
    with qtbot.waitSignal(job.finished, timeout=TRAINING_TIMEOUT_MS):
        dialog.cancel_button.click()
    assert job.outcome == "cancelled"
    assert "cancelled" in dialog.status_label.text()
    assert not dialog.results.isVisible() and dialog.train_button.isEnabled()
    assert dumps(doc.project) == before and doc.undo_stack.count() == undo_steps
    assert not list(doc.project.dir.rglob("*.tflite"))  # a cancelled run writes no model


def test_the_curves_grow_epoch_by_epoch_with_train_and_validation(qtbot, tiny_window):
    dialog = _open_dialog(tiny_window)
    heard = []
    dialog.relay.epoch.connect(lambda epoch, logs: heard.append((epoch, dict(logs))))
    _train(qtbot, dialog, epochs=3)
    assert dialog.results.isVisible(), dialog.status_label.text()
    history = dialog.result.outcome.history
    assert [e for e, _ in heard] == [1, 2, 3]          # drawn live, one epoch at a time
    assert [round(v, 6) for _e, v in dialog.curves.points("loss")] == [round(v, 6) for v in history["loss"]]
    assert [logs["val_accuracy"] for _e, logs in heard] == pytest.approx(list(history["val_accuracy"]))
    assert len(dialog.curves.curves["val_loss"].getData()[0]) == 3
