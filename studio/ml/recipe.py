"""The steps every sample's make script shares: a linear project, train → quantize → record.

A make script owns its data (how samples are synthesised or recorded); this module owns what is
the same for all of them, so each sample stays a short recipe: build the chain project, turn clips
or segments into features with the project's own pipeline, train a model by name, quantize it with
the pipeline's features as representative data, write the .tflite and record the figures in the
project's dataset description.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from studio.core.graph import Graph
from studio.core.project import Project, save_project
from studio.ml.errors import MLError
from studio.ml.quantize import QuantReport, quantize, representative_subset
from studio.ml.train import TrainResult, build_model, set_seed, train


@dataclass(frozen=True)
class StageSpec:
    node_id: str
    type_id: str
    props: Mapping[str, Any]


def linear_project(name: str, board_id: str, stages: Sequence[StageSpec], folder: Path,
                   dataset: Mapping[str, Any] | None = None) -> Project:
    """A project whose nodes are connected one after the other (out/scores → in/scores), laid out
    left to right, not yet saved."""
    graph = Graph()
    prev = None
    for i, st in enumerate(stages):
        node = graph.add_node(st.type_id, dict(st.props), node_id=st.node_id, ui={"x": 220 * i, "y": 0})
        if prev is not None:
            out_port = prev.spec.outputs[0].name
            in_port = node.spec.inputs[0].name
            graph.connect(prev.id, out_port, node.id, in_port)
        prev = node
    project = Project(name=name, board_id=board_id, graph=graph, dataset=dict(dataset or {}))
    project.path = Path(folder) / f"{name}.tinyml"
    return project


@dataclass(frozen=True)
class TrainedModel:
    model: Any            # the float Keras model
    train: TrainResult
    quant: QuantReport


def train_and_quantize(kind: str, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                       y_val: np.ndarray, n_classes: int, epochs: int, batch_size: int = 32,
                       seed: int = 0, log: Callable[[str], None] = print, **size: Any) -> TrainedModel:
    """Builds ``kind``, trains it (seeded) and quantizes it with training features as calibration;
    the report's accuracies are on the validation features."""
    set_seed(seed)
    model = build_model(kind, x_train.shape[1:], n_classes, **size)
    log(f"{kind}: {model.count_params()} parameters, {x_train.shape[0]} training windows")

    def progress(epoch: int, logs: Mapping[str, float]) -> None:
        shown = ", ".join(f"{k} {v:.3f}" for k, v in sorted(logs.items()))
        log(f"  epoch {epoch}/{epochs}: {shown}")

    result = train(model, x_train, y_train, epochs, batch_size, progress=progress,
                   validation=(x_val, y_val), seed=seed)
    report = quantize(model, representative_subset(x_train, 300, seed), x_val, y_val)
    for w in report.warnings:
        log(f"warning: {w}")
    return TrainedModel(model, result, report)


def write_labels(path: Path, labels: Sequence[str]) -> None:
    path.write_text("".join(f"{label}\n" for label in labels), encoding="utf-8")


def class_indices(labels: Sequence[str], names: Sequence[str]) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(names)}
    try:
        return np.array([lookup[label] for label in labels], dtype=np.int32)
    except KeyError as e:
        raise MLError(f"label {e} is not one of the classes {', '.join(names)}") from None


def save_with_metrics(project: Project, metrics: Mapping[str, Any]) -> Path:
    """Saves the project with ``metrics`` in its dataset description, and the same figures as
    ``metrics.json`` beside it for people reading the folder. A regenerated sample keeps no
    ``.bak``: its previous version is in git."""
    project.dataset = {**project.dataset, "metrics": dict(metrics)}
    path = save_project(project)
    path.with_name(path.name + ".bak").unlink(missing_ok=True)
    (path.parent / "metrics.json").write_text(json.dumps(dict(metrics), indent=2, sort_keys=True) + "\n",
                                              encoding="utf-8")
    return path
