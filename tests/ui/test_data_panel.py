"""The Data panel on the real window with a real imported dataset: counts per split, the filtered
sample list, undoable relabel / move / remove, the sample's waveform and the features the DSP makes
of it (following DSP edits), and the PCA explorer."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.ui.helpers import shown_window

from studio.core.dataset import dataset_of
from studio.core.project import load_project
from studio.ml.pipeline import features_for_clip
from studio.ui.commands import SetProperty
from studio.ui.data_panel import pca_2d, read_clip, show_data_panel, unshaped
from tests.ui.data_helpers import gesture_project

EXPLORER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def made_project(tmp_path_factory):
    """Made and imported once per module; each test works on its own copy of the folder."""
    return gesture_project(tmp_path_factory.mktemp("made"))


@pytest.fixture
def data_window(qtbot, tmp_path, made_project):
    copy = Path(shutil.copytree(made_project.parent, tmp_path / "gest")) / made_project.name
    with shown_window(qtbot, copy) as w:
        yield w


@pytest.fixture
def panel(data_window):
    return show_data_panel(data_window)


def _samples(window):
    return dataset_of(window.doc.project).samples


def test_the_chart_shows_each_class_count_per_split(panel, data_window):
    counts = dataset_of(data_window.doc.project).label_counts()
    labels = dataset_of(data_window.doc.project).labels
    heights = panel.bar_heights()
    for split in ("train", "validation", "test"):
        assert heights[split] == [counts[label][split] for label in labels]
    assert sum(heights["train"]) == 30


def test_filtering_by_class_and_split_lists_only_those_samples(panel):
    panel.class_filter.setCurrentText("slow")
    panel.split_filter.setCurrentText("train")
    rows = [(panel.table.item(r, 1).text(), panel.table.item(r, 2).text()) for r in range(panel.table.rowCount())]
    assert rows == [("slow", "train")] * 10


def test_relabel_changes_the_dataset_and_undo_restores_it(panel, data_window):
    target = next(s.file for s in _samples(data_window) if s.label == "slow")
    assert panel.relabel([target], "fast")
    assert next(s.label for s in _samples(data_window) if s.file == target) == "fast"
    assert data_window.act_undo.text().replace("&", "").startswith("Undo relabel")
    assert data_window.doc.dirty
    data_window.doc.undo_stack.undo()
    assert next(s.label for s in _samples(data_window) if s.file == target) == "slow"


def test_relabel_to_a_new_name_adds_a_class(panel, data_window):
    target = _samples(data_window)[0].file
    assert panel.relabel([target], "wobble")
    ds = dataset_of(data_window.doc.project)
    assert ds.labels[-1] == "wobble" and panel.bar_heights()["train"][-1] + panel.bar_heights()["test"][-1] \
        + panel.bar_heights()["validation"][-1] == 1


def test_a_label_with_a_path_separator_is_refused_and_nothing_is_pushed(panel, data_window):
    before = data_window.doc.undo_stack.count()
    assert not panel.relabel([_samples(data_window)[0].file], "a/b")
    assert panel.edit_error.text()
    assert data_window.doc.undo_stack.count() == before


def test_move_to_another_split_is_undoable(panel, data_window):
    target = next(s.file for s in _samples(data_window) if s.split == "train")
    assert panel.move([target], "test")
    assert dataset_of(data_window.doc.project).counts["test"] == 4
    data_window.doc.undo_stack.undo()
    assert dataset_of(data_window.doc.project).counts["test"] == 3


def test_remove_takes_samples_out_of_the_dataset_but_keeps_their_files(panel, data_window):
    targets = [s.file for s in _samples(data_window)[:2]]
    assert panel.remove(targets)
    assert len(_samples(data_window)) == 34 and panel.table.rowCount() == 34
    assert all((data_window.doc.project.dir / t).is_file() for t in targets)
    data_window.doc.undo_stack.undo()
    assert len(_samples(data_window)) == 36


def test_the_preview_draws_every_channel_and_the_host_reference_features(panel, data_window):
    target = next(s.file for s in _samples(data_window) if s.label == "fast")
    panel.select_files([target])
    curves = panel.sample_plot.getPlotItem().listDataItems()
    assert len(curves) == 3
    project = data_window.doc.project
    expected = features_for_clip(unshaped(project), read_clip(project, target))
    assert panel.features.shape == (32, 3)
    np.testing.assert_array_equal(panel.features, expected)


def test_a_dsp_property_change_redraws_the_features(panel, data_window, qtbot):
    panel.select_files([_samples(data_window)[0].file])
    assert panel.features.shape == (32, 3)
    data_window.doc.execute(SetProperty(data_window.doc.graph, "spectrum", "bins", 16))
    qtbot.waitUntil(lambda: panel.features is not None and panel.features.shape == (16, 3), timeout=5000)
    assert "16×3" in panel.features_caption.text()


def test_the_explorer_projects_every_sample_and_the_classes_separate(panel, data_window, qtbot):
    qtbot.waitUntil(lambda: panel.projection is not None, timeout=EXPLORER_TIMEOUT_MS)
    p = panel.projection
    assert len(p.files) == 36 and p.points.shape == (36, 2)
    labels = np.array(p.labels)
    centres = {c: p.points[labels == c].mean(axis=0) for c in set(p.labels)}
    spread = max(np.linalg.norm(p.points[labels == c] - centres[c], axis=1).mean() for c in centres)
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in centres for b in centres if a < b]
    assert min(gaps) > 2 * spread
    assert len(panel.explorer_plot.getPlotItem().listDataItems()) == 3


def test_pca_of_points_on_a_line_puts_all_variance_on_the_first_axis():
    t = np.linspace(-1, 1, 50)
    x = np.stack([t, 2 * t, -3 * t, 0.5 * t], axis=1)
    points, explained = pca_2d(x)
    assert explained[0] == pytest.approx(1.0, abs=1e-9) and explained[1] == pytest.approx(0.0, abs=1e-9)
    assert np.corrcoef(points[:, 0], t)[0, 1] ** 2 == pytest.approx(1.0)


def test_a_project_without_a_dataset_shows_how_to_get_one(window):
    panel = show_data_panel(window)
    assert "No samples yet" in panel.summary.text() and "Import data" in panel.summary.text()
    assert panel.table.rowCount() == 0


def test_a_camera_sample_is_shown_as_its_image_and_the_features_as_the_resized_one(qtbot, tmp_path):
    from PIL import Image

    from studio.core.project import save_project
    from studio.core.templates import new_project
    from studio.ml.importer import apply_import, plan_import
    from studio.ui.main_window import MainWindow

    rng = np.random.default_rng(0)
    for label in ("dark", "light"):
        (tmp_path / "src" / label).mkdir(parents=True)
        for i in range(3):
            level = 40 if label == "dark" else 210
            pixels = np.clip(level + 20 * rng.standard_normal((96, 96, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "src" / label / f"{label}{i}.png")
    project = load_project(new_project(tmp_path / "img", "image", "nano33ble", "img"))
    apply_import(project, plan_import(project, tmp_path / "src"))
    save_project(project)
    w = MainWindow(load_project(project.path))
    w.show()
    qtbot.waitExposed(w)
    try:
        panel = show_data_panel(w)
        panel.select_files([_samples(w)[0].file])
        kinds = [type(i).__name__ for i in panel.sample_plot.getPlotItem().items]
        assert "ImageItem" in kinds and panel.clip.shape == (96, 96, 3)
        assert panel.features.shape == (48, 48, 1)
        assert "ImageItem" in [type(i).__name__ for i in panel.features_plot.getPlotItem().items]
    finally:
        w.jobs.cancel_all()
        w.doc.undo_stack.setClean()
        w.close()
        w.deleteLater()


def test_the_relabel_button_relabels_the_selected_rows_and_ctrl_z_undoes_it(panel, data_window, qtbot):
    assert panel.class_filter.findText("noise") >= 0, [panel.class_filter.itemText(i) for i in range(panel.class_filter.count())]
    panel.class_filter.setCurrentText("noise")
    assert panel.class_filter.currentText() == "noise"
    assert panel.table.rowCount() == 12, (panel.table.rowCount(), panel.isVisible(), len(panel.dataset.samples))
    panel.select_row(0)
    assert len(panel.selected_files()) == 1, panel.selected_files()
    chosen = panel.selected_files()
    panel.label_choice.setCurrentText("slow")
    panel.relabel_button.click()
    assert next(s.label for s in _samples(data_window) if s.file == chosen[0]) == "slow"
    assert panel.table.rowCount() == 11           # the noise filter now lists one sample fewer
    data_window.act_undo.trigger()
    assert next(s.label for s in _samples(data_window) if s.file == chosen[0]) == "noise"
    assert panel.table.rowCount() == 12
