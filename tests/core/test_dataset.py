"""The typed dataset: schema, migration of the files-per-split layout, one loader, stable JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.dataset import SPLITS, Dataset, DatasetError, Sample, dataset_from_json, dataset_of
from studio.core.errors import ProjectFileError
from studio.core.project import Project, load_project

ROOT = Path(__file__).resolve().parents[2]


def test_the_files_per_split_layout_migrates_to_samples():
    old = {"folder": "dataset", "kind": "wav", "labels": ["no", "yes"], "channels": 1, "rate_hz": 16000.0,
           "shape": None, "seed": 0, "split_fractions": [0.7, 0.15, 0.15], "split": {"train": 1, "test": 1},
           "files": {"train": [{"file": "dataset/no/a.wav", "label": "no"}],
                     "test": [{"file": "dataset/yes/b.wav", "label": "yes"}]}}
    ds = dataset_from_json(old)
    assert ds.samples == (Sample("dataset/no/a.wav", "no", "train"), Sample("dataset/yes/b.wav", "yes", "test"))
    assert "files" not in ds.to_json() and ds.to_json()["split"] == {"train": 1, "validation": 0, "test": 1}


@pytest.mark.parametrize("name", ["kws", "gesture", "vibration", "digits"])
def test_sample_projects_load_with_their_dataset_unchanged(name):
    path = ROOT / "sample_projects" / name / f"{name}.tinyml"
    assert load_project(path).dataset == json.loads(path.read_text())["dataset"]


@pytest.mark.parametrize("bad, where", [
    ({"labels": "yes"}, "labels"),
    ({"labels": ["a", "a"]}, "labels"),
    ({"labels": ["a"], "samples": [{"file": "x", "label": "b", "split": "train"}]}, "samples"),
    ({"labels": ["a"], "samples": [{"file": "x", "label": "a", "split": "holdout"}]}, r"samples\[0\]\.split"),
    ({"test": {"samples": 3, "labels": "l.txt"}}, "test.samples"),
    ({"task": "regression"}, "task"),
])
def test_a_dataset_that_breaks_the_schema_is_refused_naming_where(bad, where):
    with pytest.raises(DatasetError, match=f"dataset.{where}"):
        dataset_from_json(bad)


def test_a_project_file_with_a_bad_dataset_is_refused_on_load(tmp_path):
    path = ROOT / "sample_projects" / "kws" / "kws.tinyml"
    data = json.loads(path.read_text())
    data["dataset"]["labels"] = ["../x"]
    bad = tmp_path / "bad.tinyml"
    bad.write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match="dataset"):
        load_project(bad)


def test_the_loader_reads_a_project_and_counts_per_label_and_split():
    project = Project("p", "nano33ble", dataset={"labels": ["a", "b"], "kind": "wav", "samples": [
        {"file": "d/a/1.wav", "label": "a", "split": "train", "sha256": ""},
        {"file": "d/b/1.wav", "label": "b", "split": "test", "sha256": ""}]})
    ds = dataset_of(project)
    assert ds.counts == {"train": 1, "validation": 0, "test": 1}
    assert ds.label_counts()["b"] == {"train": 0, "validation": 0, "test": 1}


_label = st.text(alphabet="abcxyz_-0123", min_size=1, max_size=6)


@given(st.lists(_label, min_size=1, max_size=4, unique=True), st.data())
def test_to_json_and_back_is_the_same_dataset(labels, data):
    samples = tuple(Sample(f"d/{i}.wav", data.draw(st.sampled_from(labels)), data.draw(st.sampled_from(SPLITS)),
                           data.draw(st.sampled_from(["", "a" * 64])))
                    for i in range(data.draw(st.integers(0, 5))))
    ds = Dataset(folder="d", kind="wav", labels=tuple(labels), channels=1, rate_hz=16000.0, samples=samples)
    assert dataset_from_json(ds.to_json()).to_json() == ds.to_json()


def _two() -> Dataset:
    return Dataset(folder="d", kind="wav", labels=("a", "b"), samples=(
        Sample("d/a/1.wav", "a", "train"), Sample("d/b/1.wav", "b", "test")))


def test_relabel_move_and_remove_return_new_datasets():
    ds = _two()
    assert ds.relabel("d/a/1.wav", "c").sample("d/a/1.wav").label == "c"
    assert ds.relabel("d/a/1.wav", "c").labels == ("a", "b", "c")
    assert ds.move("d/b/1.wav", "validation").counts == {"train": 1, "validation": 1, "test": 0}
    assert [s.file for s in ds.without("d/a/1.wav").samples] == ["d/b/1.wav"]
    assert ds.without("d/a/1.wav").labels == ("a", "b") and len(ds.samples) == 2


def test_editing_a_sample_that_is_not_there_is_refused():
    with pytest.raises(DatasetError, match="not a sample"):
        _two().move("d/x.wav", "train")
    with pytest.raises(DatasetError, match="unknown split"):
        _two().move("d/a/1.wav", "holdout")
