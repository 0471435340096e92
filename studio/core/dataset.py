"""The typed dataset a project carries: ``Dataset`` of ``Sample``s, its schema, its migration, one loader.

The project file keeps the dataset as a JSON object (``"dataset"``); this module is the one place
that reads it. ``dataset_from_json`` checks the schema and migrates older layouts, ``dataset_of``
is the loader every layer uses (validation, training, evaluation, optimization, the UI), and
``Dataset.to_json`` is what is saved (stable key order, so the file diffs cleanly)::

    "dataset": {
      "folder": "dataset", "kind": "wav", "labels": ["no", "yes"], "channels": 1, "rate_hz": 16000.0,
      "shape": null, "seed": 0, "split_fractions": [0.8, 0.1, 0.1],
      "samples": [{"file": "dataset/no/a.wav", "label": "no", "split": "train", "sha256": "…"}, …],
      "split": {"train": 70, "validation": 15, "test": 15},        # derived from samples when present
      "test": {"samples": "test/test.npy", "segment_samples": 256, "labels": "test/labels.txt"},
      "task": "anomaly", "threshold": 0.5,                          # anomaly samples only
      "metrics": {...}, ...                                         # other keys are kept as they are
    }

Migration: the importer of before wrote ``"files": {split: [{"file", "label"}]}``; it becomes
``samples`` with an empty ``sha256`` (computed on the next import). Sample projects that only name a
committed ``test`` recording and split counts load as a dataset with no samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

from studio.core.errors import BadInput

SPLITS = ("train", "validation", "test")
TASKS = ("classification", "anomaly")
_KNOWN = {"folder", "kind", "labels", "channels", "rate_hz", "shape", "seed", "split_fractions", "samples",
          "files", "split", "test", "task", "threshold", "metrics"}


class DatasetError(BadInput):
    """A dataset description that does not pass its schema."""


@dataclass(frozen=True)
class Sample:
    file: str          # project-relative path
    label: str
    split: str         # one of SPLITS
    sha256: str = ""   # of the file's bytes; "" when not known (migrated)

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "label": self.label, "split": self.split, "sha256": self.sha256}


@dataclass(frozen=True)
class TestRecording:
    """A committed test split: recordings the firmware replays and one label per window."""

    samples: tuple[str, ...]
    labels: str
    segment_samples: int = 0

    def to_json(self) -> dict[str, Any]:
        samples: Any = self.samples[0] if len(self.samples) == 1 else list(self.samples)
        return {"samples": samples, "labels": self.labels, "segment_samples": self.segment_samples}


@dataclass(frozen=True)
class Dataset:
    folder: str = ""
    kind: str = ""                                   # "wav", "csv", "image", "npy", "" (none imported)
    labels: tuple[str, ...] = ()
    channels: int | None = None
    rate_hz: float | None = None
    shape: tuple[int, ...] | None = None             # (H, W, C) of images; None for recordings
    seed: int = 0
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    samples: tuple[Sample, ...] = ()
    test: TestRecording | None = None
    task: str = "classification"
    threshold: float | None = None
    recorded_counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    metrics: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def empty(self) -> bool:
        return not self.labels and not self.samples and self.test is None and not self.extra

    def split(self, name: str) -> tuple[Sample, ...]:
        if name not in SPLITS:
            raise DatasetError(f"unknown split '{name}'; choose one of {', '.join(SPLITS)}")
        return tuple(s for s in self.samples if s.split == name)

    @property
    def counts(self) -> dict[str, int]:
        """Samples per split (the recorded counts of a dataset without sample lists)."""
        if not self.samples:
            return dict(self.recorded_counts)
        return {name: sum(s.split == name for s in self.samples) for name in SPLITS}

    def label_counts(self) -> dict[str, dict[str, int]]:
        """label -> split -> samples."""
        out = {label: {name: 0 for name in SPLITS} for label in self.labels}
        for s in self.samples:
            out.setdefault(s.label, {name: 0 for name in SPLITS})[s.split] += 1
        return out

    def sample(self, file: str) -> Sample:
        for s in self.samples:
            if s.file == file:
                return s
        raise DatasetError(f"'{file}' is not a sample of the dataset")

    def relabel(self, file: str, label: str) -> "Dataset":
        """The dataset with ``file`` labelled ``label`` (a new label is appended to the classes)."""
        self.sample(file)
        _label(label, "label")
        labels = self.labels if label in self.labels else self.labels + (label,)
        return replace(self, labels=labels, samples=tuple(replace(s, label=label) if s.file == file else s
                                                          for s in self.samples))

    def move(self, file: str, split: str) -> "Dataset":
        """The dataset with ``file`` in ``split``."""
        self.sample(file)
        if split not in SPLITS:
            raise DatasetError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
        return replace(self, samples=tuple(replace(s, split=split) if s.file == file else s for s in self.samples))

    def without(self, file: str) -> "Dataset":
        """The dataset without ``file`` (its file stays on disk: deleting it is the caller's choice).
        Its label stays a class: the model's output order does not change under the user."""
        self.sample(file)
        return replace(self, samples=tuple(s for s in self.samples if s.file != file))

    def with_metrics(self, metrics: Mapping[str, Any]) -> "Dataset":
        return replace(self, metrics=MappingProxyType(dict(metrics)))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.extra.items()}
        if self.kind or self.samples:
            out.update({"folder": self.folder, "kind": self.kind, "channels": self.channels,
                        "rate_hz": self.rate_hz, "shape": list(self.shape) if self.shape else None,
                        "seed": self.seed, "split_fractions": list(self.split_fractions),
                        "samples": [s.to_json() for s in self.samples]})
        elif self.folder:
            out["folder"] = self.folder
        if self.labels:
            out["labels"] = list(self.labels)
        counts = self.counts
        if counts:
            out["split"] = counts
        if self.test is not None:
            out["test"] = self.test.to_json()
        if self.task != "classification":
            out["task"] = self.task
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.metrics:
            out["metrics"] = dict(self.metrics)
        return out


# ---- schema and migration ------------------------------------------------------------------------

def _fail(where: str, what: str):
    raise DatasetError(f"dataset{'.' + where if where else ''}: {what}")


def _text(v: Any, where: str) -> str:
    if not isinstance(v, str):
        _fail(where, "must be text")
    return v


def _label(v: Any, where: str) -> str:
    if not isinstance(v, str) or not v.strip() or "/" in v or "\\" in v or "\x00" in v:
        _fail(where, f"{v!r} is not a label (non-empty text, no path separators)")
    return v


def _number(v: Any, where: str, allow_none: bool = True) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        _fail(where, "must be a finite number")
    return float(v)


def _samples(data: Mapping[str, Any]) -> list[Sample]:
    if "samples" in data and not isinstance(data["samples"], str):
        raw = data["samples"]
        if not isinstance(raw, list):
            _fail("samples", "must be a list")
        out = []
        for i, s in enumerate(raw):
            where = f"samples[{i}]"
            if not isinstance(s, Mapping):
                _fail(where, "must be an object")
            split = s.get("split")
            if split not in SPLITS:
                _fail(f"{where}.split", f"must be one of {', '.join(SPLITS)}")
            sha = s.get("sha256", "")
            if not isinstance(sha, str) or (sha and len(sha) != 64):
                _fail(f"{where}.sha256", "must be 64 hex digits or empty")
            out.append(Sample(_text(s.get("file"), f"{where}.file"), _label(s.get("label"), f"{where}.label"),
                              split, sha))
        return out
    files = data.get("files")   # the layout before samples: {split: [{"file", "label"}]}
    if files is None:
        return []
    if not isinstance(files, Mapping):
        _fail("files", "must be an object of split lists")
    out = []
    for split in SPLITS:
        entries = files.get(split, [])
        if not isinstance(entries, list):
            _fail(f"files.{split}", "must be a list")
        for i, e in enumerate(entries):
            where = f"files.{split}[{i}]"
            if not isinstance(e, Mapping):
                _fail(where, "must be an object")
            out.append(Sample(_text(e.get("file"), f"{where}.file"), _label(e.get("label"), f"{where}.label"),
                              split))
    return out


def _test(raw: Any) -> TestRecording | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "samples" not in raw or "labels" not in raw:
        _fail("test", "must be an object with 'samples' and 'labels'")
    samples = raw["samples"]
    files = (samples,) if isinstance(samples, str) else samples
    if not isinstance(files, (list, tuple)) or not files or not all(isinstance(f, str) for f in files):
        _fail("test.samples", "must be a file or a list of files")
    seg = raw.get("segment_samples", 0)
    if isinstance(seg, bool) or not isinstance(seg, int) or seg < 0:
        _fail("test.segment_samples", "must be a whole number ≥ 0")
    return TestRecording(tuple(files), _text(raw["labels"], "test.labels"), seg)


def dataset_from_json(data: Mapping[str, Any] | None) -> Dataset:
    """The typed dataset of a project file's ``"dataset"`` object (schema-checked, migrated)."""
    if not data:
        return Dataset()
    if not isinstance(data, Mapping):
        _fail("", "must be an object")
    labels = data.get("labels", [])
    if not isinstance(labels, list):
        _fail("labels", "must be a list of labels")
    labels = tuple(_label(v, f"labels[{i}]") for i, v in enumerate(labels))
    if len(set(labels)) != len(labels):
        _fail("labels", "must be distinct")
    samples = _samples(data)
    unknown = sorted({s.label for s in samples} - set(labels))
    if unknown:
        _fail("samples", f"labels {', '.join(unknown)} are not in the dataset's labels")
    channels = data.get("channels")
    if channels is not None and (isinstance(channels, bool) or not isinstance(channels, int) or channels < 1):
        _fail("channels", "must be a whole number ≥ 1")
    shape = data.get("shape")
    if shape is not None and (not isinstance(shape, list) or
                              not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
        _fail("shape", "must be a list of positive whole numbers")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        _fail("seed", "must be a whole number")
    fractions = data.get("split_fractions", [0.8, 0.1, 0.1])
    if not isinstance(fractions, list) or len(fractions) != 3:
        _fail("split_fractions", "must be three fractions")
    fractions = tuple(_number(f, "split_fractions", False) for f in fractions)
    counts = data.get("split", {})
    if not isinstance(counts, Mapping) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                  for v in counts.values()):
        _fail("split", "must map split names to counts")
    task = data.get("task", "classification")
    if task not in TASKS:
        _fail("task", f"must be one of {', '.join(TASKS)}")
    metrics = data.get("metrics", {})
    if not isinstance(metrics, Mapping):
        _fail("metrics", "must be an object")
    folder = data.get("folder", "")
    return Dataset(folder=_text(folder, "folder"), kind=_text(data.get("kind", ""), "kind"), labels=labels,
                   channels=channels, rate_hz=_number(data.get("rate_hz"), "rate_hz"),
                   shape=tuple(shape) if shape else None, seed=seed, split_fractions=fractions,  # type: ignore[arg-type]
                   samples=tuple(samples), test=_test(data.get("test")), task=task,
                   threshold=_number(data.get("threshold"), "threshold"),
                   recorded_counts=MappingProxyType({} if samples else dict(counts)),
                   metrics=MappingProxyType(dict(metrics)),
                   extra=MappingProxyType({k: v for k, v in data.items() if k not in _KNOWN}))


def dataset_of(project) -> Dataset:
    """The one loader: the typed dataset of ``project`` (a ``studio.core.project.Project``)."""
    return dataset_from_json(project.dataset)


def store_dataset(project, dataset: Dataset) -> None:
    """Records ``dataset`` in ``project`` (the caller saves the project)."""
    project.dataset = dataset.to_json()
