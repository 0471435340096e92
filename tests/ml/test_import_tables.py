"""Importing CSV and NPY recordings, one labelled CSV, and Edge Impulse data-acquisition exports."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.dataset import dataset_of
from studio.ml.importer import MAX_NPY_ELEMENTS, apply_import, load_split, plan_import
from tests.ml.import_helpers import acquisition_json, imu_project, write_csv


@pytest.fixture
def project(tmp_path):
    return imu_project(tmp_path / "proj")


def _motion(k: int, i: int, n: int = 32) -> np.ndarray:
    t = np.arange(n) / 100.0
    return np.stack([np.sin(2 * np.pi * (2 + 5 * k) * t + i)] * 3, axis=1).astype(np.float32)


def test_a_folder_of_csv_recordings_keeps_their_channels(project, tmp_path):
    for k, label in enumerate(("still", "shake")):
        for i in range(5):
            write_csv(tmp_path / "src" / label / f"{i}.csv", _motion(k, i))
    plan = plan_import(project, tmp_path / "src")
    assert plan.problems == ()
    apply_import(project, plan)
    clips, _ = load_split(project, "train")
    assert clips[0].shape == (32, 3) and dataset_of(project).kind == "csv"


def test_a_csv_with_too_few_columns_is_a_problem(project, tmp_path):
    for k, label in enumerate(("still", "shake")):
        write_csv(tmp_path / "src" / label / "0.csv", _motion(k, 0))
    write_csv(tmp_path / "src" / "still" / "x.csv", _motion(0, 1)[:, :2])
    (f, reason), = plan_import(project, tmp_path / "src").problems
    assert f.endswith("x.csv") and "2 channel(s)" in reason and "gives 3" in reason


def test_npy_recordings_are_read_after_their_header(project, tmp_path):
    for k, label in enumerate(("still", "shake")):
        for i in range(3):
            (tmp_path / "src" / label).mkdir(parents=True, exist_ok=True)
            np.save(tmp_path / "src" / label / f"{i}.npy", _motion(k, i))
    plan = plan_import(project, tmp_path / "src")
    assert plan.problems == ()
    apply_import(project, plan)
    assert load_split(project, "train")[0][0].shape == (32, 3)


def test_an_npy_whose_header_claims_a_huge_shape_is_refused_unread(project, tmp_path):
    src = tmp_path / "src"
    for k, label in enumerate(("still", "shake")):
        (src / label).mkdir(parents=True)
        np.save(src / label / "0.npy", _motion(k, 0))
    header = {"descr": "<f4", "fortran_order": False, "shape": (MAX_NPY_ELEMENTS, 3)}
    with open(src / "still" / "huge.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)   # no data behind it
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("huge.npy") and "has shape" in reason


def test_an_npy_of_python_objects_is_refused(project, tmp_path):
    src = tmp_path / "src"
    for k, label in enumerate(("still", "shake")):
        (src / label).mkdir(parents=True)
        np.save(src / label / "0.npy", _motion(k, 0))
    np.save(src / "still" / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("obj.npy") and "object" in reason


def _labelled_csv(path, rows):
    path.write_text("timestamp,label,window,x,y,z\n" + "".join(
        f"{i},{lab},{w},{a},{b},{c}\n" for i, (lab, w, a, b, c) in enumerate(rows)))
    return path


def test_one_labelled_csv_groups_rows_by_window_into_clips(project, tmp_path):
    rows = [(("still", "shake")[w % 2], w, w + 0.1 * i, 0.0, 1.0) for w in range(8) for i in range(20)]
    plan = plan_import(project, _labelled_csv(tmp_path / "all.csv", rows))
    assert plan.problems == () and len(plan.samples) == 8
    apply_import(project, plan)
    clips, _ = load_split(project, "train")
    assert clips[0].shape == (20, 3)


def test_a_labelled_csv_window_with_two_labels_is_a_problem_naming_the_line(project, tmp_path):
    rows = [(("still", "shake")[w % 2], w, 0.0, 0.0, 1.0) for w in range(4) for _ in range(20)]
    rows[5] = ("shake", 0, 0.0, 0.0, 1.0)
    problems = plan_import(project, _labelled_csv(tmp_path / "all.csv", rows)).problems
    assert [f for f, _ in problems] == [f"{tmp_path / 'all.csv'} line 7"]


def test_a_labelled_csv_with_a_hostile_label_is_a_problem(project, tmp_path):
    rows = [(("still", "../../etc")[w % 2], w, 0.0, 0.0, 1.0) for w in range(4) for _ in range(20)]
    problems = plan_import(project, _labelled_csv(tmp_path / "all.csv", rows)).problems
    assert problems and all("looks like a path" in r for _, r in problems)


def test_an_edge_impulse_export_keeps_its_training_and_testing_split(project, tmp_path):
    src = tmp_path / "ei"
    files = []
    for k, label in enumerate(("still", "shake")):
        for i in range(6):
            category = "testing" if i < 2 else "training"
            rel = f"{category}/{label}.{i}.json"
            acquisition_json(src / rel, _motion(k, i), 10)
            files.append({"path": rel, "name": f"{label}.{i}", "category": category,
                          "label": {"type": "label", "label": label}})
    (src / "info.labels").write_text(json.dumps({"version": 1, "files": files}))
    plan = plan_import(project, src)
    assert plan.problems == ()
    apply_import(project, plan)
    ds = dataset_of(project)
    assert ds.counts == {"train": 8, "validation": 0, "test": 4}
    assert load_split(project, "test")[0][0].shape == (32, 3)


def test_an_edge_impulse_export_without_info_labels_takes_labels_from_file_names(project, tmp_path):
    src = tmp_path / "ei"
    for k, label in enumerate(("still", "shake")):
        acquisition_json(src / "training" / f"{label}.1.json", _motion(k, 0), 10)
        acquisition_json(src / "testing" / f"{label}.2.json", _motion(k, 1), 10)
    plan = plan_import(project, src)
    assert plan.labels == ("shake", "still") and plan.split_counts()["test"] == 2


def test_an_edge_impulse_sample_at_another_rate_is_a_problem(project, tmp_path):
    src = tmp_path / "ei"
    acquisition_json(src / "training" / "still.1.json", _motion(0, 0), 10)
    acquisition_json(src / "training" / "shake.1.json", _motion(1, 0), 20)     # 50 Hz
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("shake.1.json") and "50 Hz" in reason


def test_an_info_labels_path_leaving_the_export_is_a_problem(project, tmp_path):
    src = tmp_path / "ei"
    acquisition_json(src / "training" / "still.1.json", _motion(0, 0), 10)
    (src / "info.labels").write_text(json.dumps({"version": 1, "files": [
        {"path": "training/still.1.json", "category": "training", "label": {"type": "label", "label": "still"}},
        {"path": "../secret.json", "category": "training", "label": {"type": "label", "label": "x"}}]}))
    problems = plan_import(project, src).problems
    assert len(problems) == 1 and "../secret.json" in problems[0][1]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_as_an_acquisition_file_plan_cleanly(tmp_path_factory, blob):
    root = tmp_path_factory.mktemp("fuzz")
    project = imu_project(root / "proj")
    for label in ("still", "shake"):
        acquisition_json(root / "ei" / "training" / f"{label}.1.json", _motion(0, 0), 10)
    (root / "ei" / "training" / "still.2.json").write_bytes(blob)
    plan = plan_import(project, root / "ei")
    assert all(isinstance(r, str) for _, r in plan.problems)
