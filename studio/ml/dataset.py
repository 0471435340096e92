"""The dataset description a project carries (``Project.dataset``) and its committed test split.

The description is plain JSON saved in the project file::

    "dataset": {
      "folder": "data",                      # where make_<name>.py writes the full (uncommitted) set
      "labels": ["idle", "wave", ...],       # class names, in model output order
      "split": {"train": 1200, "validation": 300, "test": 120},   # windows in each part
      "test": {"samples": "test/test.npy",   # the committed test split: a recording (.wav/.npy/.csv)
                                             # or a list of them (each its own stream)
               "segment_samples": 256,       # > 0: independent recordings of this length, back to back
               "labels": "test/labels.txt"}, # one label per window the pipeline makes, in order
      "metrics": {"float_accuracy": 0.97, "int8_accuracy": 0.96, ...}   # recorded by make_<name>.py
    }

An anomaly-detection sample adds ``"task": "anomaly"`` and ``"threshold": 0.5``: its model gives one
score, and a window is ``labels[1]`` (anomalous) when the score reaches the threshold, else ``labels[0]``.

``segment_samples`` 0 means each recording is one stream (the firmware replays it as such).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from nodes.base import NodeContext, NodeError
from nodes.sensors import Replay
from studio.core.dataset import Dataset, dataset_from_json, dataset_of
from studio.core.project import Project
from studio.ml.errors import MLError
from studio.ml.pipeline import HostResult, Int8Model, host_inference, int8_model


@dataclass(frozen=True)
class TestSplit:
    recordings: tuple[np.ndarray, ...]   # each (T, C) float32
    segment_samples: int                 # 0 = each recording is one stream
    labels: tuple[str, ...]              # one per window

    def segments(self) -> list[np.ndarray]:
        """The independent streams, in label order."""
        if self.segment_samples <= 0:
            return list(self.recordings)
        out = []
        for rec in self.recordings:
            n = rec.shape[0] // self.segment_samples
            out.extend(rec[i * self.segment_samples:(i + 1) * self.segment_samples] for i in range(n))
        return out


@dataclass(frozen=True)
class TestEvaluation:
    windows: int
    correct: int
    results: tuple[HostResult, ...]
    predicted: tuple[str, ...]
    expected: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        return self.correct / self.windows if self.windows else 0.0


def description(project: Project) -> Mapping[str, Any]:
    if not project.dataset:
        raise MLError(f"project '{project.name}' has no dataset description; run its make script")
    return project.dataset


def read_labels(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def load_test_split(project: Project) -> TestSplit:
    """The committed test split the project's dataset description names."""
    description(project)
    test = dataset_of(project).test
    if test is None:
        raise MLError("the dataset description has no 'test' split with 'samples' and 'labels'")
    ctx = NodeContext(project.dir)
    replay = Replay()
    try:
        recordings = tuple(np.array(replay.load_samples({"file": f}, ctx), dtype=np.float32) for f in test.samples)
        labels = read_labels(ctx.resolve_asset(test.labels).read_text(encoding="utf-8"))
    except NodeError as e:
        raise MLError(f"test split: {e.message}") from None
    return TestSplit(recordings, test.segment_samples, labels)


def evaluate_test_split(project: Project, model: Int8Model | None = None) -> TestEvaluation:
    """Host int8 inference (``host_inference``) on the committed test split against its labels."""
    split = load_test_split(project)
    model = model or int8_model(project)
    results: list[HostResult] = []
    for seg in split.segments():
        for r in host_inference(project, seg, model):
            results.append(HostResult(len(results), r.label, r.scores))
    if len(results) != len(split.labels):
        raise MLError(f"the test split makes {len(results)} windows but its labels file has "
                      f"{len(split.labels)} labels; regenerate the sample")
    predicted = predicted_labels(results, description(project))
    correct = sum(got == want for got, want in zip(predicted, split.labels))
    return TestEvaluation(len(results), correct, tuple(results), predicted, split.labels)


def predicted_labels(results: list[HostResult], desc: Mapping[str, Any] | Dataset) -> tuple[str, ...]:
    """The label of each result: the arg-max label, or for an anomaly task normal/anomalous by the
    score against the description's threshold (``desc``: the typed dataset or its JSON)."""
    ds = desc if isinstance(desc, Dataset) else dataset_from_json(desc)
    if ds.task != "anomaly":
        return tuple(r.label for r in results)
    labels = ds.labels
    if len(labels) != 2:
        raise MLError("an anomaly dataset names two labels: [normal, anomalous]")
    threshold = 0.5 if ds.threshold is None else float(ds.threshold)
    return tuple(labels[1] if r.scores[0] >= threshold else labels[0] for r in results)
