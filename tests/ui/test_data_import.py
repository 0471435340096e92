"""File → Import data… and File → New from template… on the real window with the real importer and
templates: check first (every problem in one list, nothing copied), import with progress as one
undoable edit, cancel, and a new project that opens and validates."""
from __future__ import annotations

import pytest

from tests.ui.helpers import shown_window

from studio.core.dataset import dataset_of
from studio.ui.import_dialog import ImportDialog
from studio.ui.new_project import NewProjectDialog
from tests.ui.data_helpers import write_clips

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def gesture_window(qtbot, tmp_path):
    from studio.core.templates import new_project
    with shown_window(qtbot, new_project(tmp_path / "g", "gesture", "nano33ble", "g")) as w:
        yield w


def _dialog(window) -> ImportDialog:
    window.act_import_data.trigger()
    return window.findChild(ImportDialog)


def _wait_job(qtbot, dialog) -> None:
    if dialog.job is not None:
        with qtbot.waitSignal(dialog.job.finished, timeout=JOB_TIMEOUT_MS):
            pass


def _check(qtbot, dialog, source) -> None:
    dialog.set_source(source)
    dialog.check_button.click()
    _wait_job(qtbot, dialog)


def test_the_file_menu_offers_import_and_new_from_template(gesture_window):
    texts = [a.text().replace("&", "") for a in gesture_window.file_menu.actions()]
    assert "Import data…" in texts and "New from template…" in texts


def test_check_lists_every_problem_and_copies_nothing(gesture_window, qtbot, tmp_path):
    source = write_clips(tmp_path / "src", per_class=4)
    (source / "slow" / "broken.csv").write_text("x,y,z\n1,2\n")
    (source / "fast" / "short.csv").write_text("x,y,z\n" + "0,0,0\n" * 5)
    dialog = _dialog(gesture_window)
    _check(qtbot, dialog, source)
    files = {dialog.problems.item(r, 0).text() for r in range(dialog.problems.rowCount())}
    assert any(f.endswith("broken.csv") for f in files) and any(f.endswith("short.csv") for f in files)
    assert not dialog.import_button.isEnabled()
    assert not (gesture_window.doc.project.dir / "dataset").exists()
    dialog.skip_bad.setChecked(True)
    assert dialog.import_button.isEnabled()


def test_import_adds_the_dataset_as_one_undoable_edit(gesture_window, qtbot, tmp_path):
    dialog = _dialog(gesture_window)
    _check(qtbot, dialog, write_clips(tmp_path / "src", per_class=10))
    assert dialog.problems.rowCount() == 0 and "30 new samples" in dialog.summary_label.text()
    dialog.import_button.click()
    _wait_job(qtbot, dialog)
    ds = dataset_of(gesture_window.doc.project)
    assert len(ds.samples) == 30 and set(ds.labels) == {"slow", "fast", "noise"}
    assert all((gesture_window.doc.project.dir / s.file).is_file() for s in ds.samples)
    assert "Imported 30 samples" in dialog.status_label.text()
    assert gesture_window.doc.dirty and gesture_window.data_dock.isVisible()
    gesture_window.doc.undo_stack.undo()
    assert not dataset_of(gesture_window.doc.project).samples


def test_importing_the_same_folder_again_skips_every_duplicate(gesture_window, qtbot, tmp_path):
    source = write_clips(tmp_path / "src", per_class=5)
    dialog = _dialog(gesture_window)
    _check(qtbot, dialog, source)
    dialog.import_button.click()
    _wait_job(qtbot, dialog)
    _check(qtbot, dialog, source)
    assert "0 new samples" in dialog.summary_label.text() and "15 already in the dataset" in dialog.summary_label.text()
    assert not dialog.import_button.isEnabled()


def test_cancelling_the_import_leaves_the_project_and_its_folder_unchanged(gesture_window, qtbot, tmp_path):
    dialog = _dialog(gesture_window)
    _check(qtbot, dialog, write_clips(tmp_path / "src", per_class=10))
    before = gesture_window.doc.project.dataset
    dialog.import_button.click()
    dialog.cancel_button.click()         # before the worker copies the first file
    _wait_job(qtbot, dialog)
    assert "cancelled" in dialog.status_label.text()
    assert gesture_window.doc.project.dataset == before
    folder = gesture_window.doc.project.dir / "dataset"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))
    dialog.cancel_button.click()         # idle now: Cancel closes
    assert not dialog.isVisible()


def test_new_from_template_writes_and_opens_a_project_that_validates(window, qtbot, tmp_path):
    dialog = NewProjectDialog(window)
    dialog.select_template("kws")
    dialog.folder_edit.setText(str(tmp_path / "kws_here"))
    dialog.name_edit.setText("door")
    assert dialog.create(), dialog.error.text()
    assert window.doc.project.path == tmp_path / "kws_here" / "door.tinyml"
    assert window.doc.project.name == "door"
    assert {n.type_id for n in window.doc.graph.nodes} >= {"sensors.microphone", "dsp.mfcc"}
    report = window.doc.validate_now()
    assert report is not None and not [i for i in report.issues if i.severity == "error"]


def test_new_from_template_never_overwrites_an_existing_project(window, tmp_path):
    for attempt in range(2):
        dialog = NewProjectDialog(window)
        dialog.folder_edit.setText(str(tmp_path / "same"))
        dialog.name_edit.setText("p")
        created = dialog.create()
    assert not created and "already exists" in dialog.error.text()
