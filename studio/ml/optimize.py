"""Optimize: a float Keras model → pruned and fine-tuned → int8, as the nodes after it say.

The pipeline ``… → model.keras → [quantize.prune …] → quantize.int8 → outputs`` describes how the
float model becomes what the device runs. ``optimize_project`` carries it out on the project's
imported dataset, with features made by the pipeline's own numpy DSP (``studio.ml.workflow.features``,
the functions the firmware is checked against):

1. each ``quantize.prune`` removes its share of units/filters (``studio.ml.prune``), fine-tunes on
   the training split and reports MACs, parameters, int8 flash and accuracy before and after;
2. ``quantize.int8`` quantizes with a representative set drawn from the training features (or its
   ``.npy`` file), and ``studio.ml.quantize.quantization_report`` measures float (Keras) against
   int8 (TFLM, through the firmware's own input quantization) accuracy with the per-layer sizes,
   warning past the node's ``max_drop_points``;
   A ``quantize.float16`` node instead converts to float16 weights (no calibration; float32
   activations, run by the device's float kernels on a core with an FPU), written as
   ``models/<float name>.float16.tflite`` and recorded in the same ``int8_model`` property (the
   model the device runs), its accuracy measured the same way;
3. the int8 ``.tflite`` is written to ``models/<float name>.int8.tflite`` (the pruned float model
   next to it as ``.pruned.keras``) and measured by the model compiler: the arena, flash and MACs
   the device will have.

It never edits the graph: the caller sets the model node's ``int8_model`` and ``int8_recipe`` to
``OptimizeOutcome.props`` (the editor with an undoable command, the CLI by saving the project).
Keras and TensorFlow are imported only inside the functions that need them.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from nodes.base import NodeContext, NodeError, Role
from nodes.datafiles import read_keras_config
from studio.core.dataset import dataset_of
from studio.core.graph import Node
from studio.core.optimization import current_recipe, is_float_model, optimization_steps
from studio.core.project import Project
from studio.ml.errors import MLError
from studio.ml.quantize import LayerSize

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class PruneSummary:
    """What one pruning step saved (flash: the int8 .tflite of the model before and after)."""

    node: str
    fraction: float
    fine_tune_epochs: int
    macs_before: int
    macs_after: int
    params_before: int
    params_after: int
    flash_bytes_before: int
    flash_bytes_after: int
    accuracy_before: float
    accuracy_after: float
    units_before: tuple[int, ...]
    units_after: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()} | {
            "macs_saved": self.macs_before - self.macs_after,
            "flash_bytes_saved": self.flash_bytes_before - self.flash_bytes_after}


@dataclass(frozen=True)
class OptimizeOutcome:
    """The result of one Optimize run; a cancelled run wrote nothing (``int8_model`` is '')."""

    model_node: str
    int8_model: str = ""                       # project-relative .tflite written
    pruned_model: str = ""                     # project-relative .keras of the pruned float model
    recipe: str = ""                           # the fingerprint recorded as int8_recipe
    prunes: tuple[PruneSummary, ...] = ()
    float_accuracy: float | None = None        # the (pruned) float model, on ``evaluated_on``
    int8_accuracy: float | None = None
    evaluated_on: str = ""
    samples: int = 0
    layers: tuple[LayerSize, ...] = ()
    float_bytes: int = 0                       # float32 weights of the (pruned) float model
    int8_bytes: int = 0                        # int8 weights + int32 biases
    device: Mapping[str, int] = field(default_factory=dict)   # the model compiler's plan
    warnings: tuple[str, ...] = ()
    cancelled: bool = False

    @property
    def props(self) -> dict[str, str]:
        """The model node properties that make the pipeline run the new int8 model."""
        return {"int8_model": self.int8_model, "int8_recipe": self.recipe}

    def to_json(self) -> dict[str, Any]:
        drop = (None if self.float_accuracy is None or self.int8_accuracy is None
                else round(self.float_accuracy - self.int8_accuracy, 6))
        return {"ok": not self.cancelled, "model_node": self.model_node, "int8_model": self.int8_model,
                "pruned_model": self.pruned_model or None, "recipe": self.recipe,
                "float_accuracy": self.float_accuracy, "int8_accuracy": self.int8_accuracy,
                "accuracy_drop": drop, "evaluated_on": self.evaluated_on, "samples": self.samples,
                "prune": [p.to_json() for p in self.prunes],
                "layers": [dict(layer.__dict__) for layer in self.layers],
                "float_bytes": self.float_bytes, "int8_bytes": self.int8_bytes,
                "device": dict(self.device), "warnings": list(self.warnings), "cancelled": self.cancelled}


@dataclass(frozen=True)
class Recipe:
    model: Node
    prunes: tuple[Node, ...]
    quantize: Node


QUANTIZE_STEPS = ("int8", "float16")  # the last optimization step: what the device runs


def recipe(project: Project) -> Recipe:
    """The project's float model node and the optimization nodes after it; MLError naming what
    to change when the pipeline does not describe one."""
    graph = project.graph
    floats = [n for n in graph.nodes if is_float_model(n)]
    if len(floats) != 1:
        ints = [n.id for n in graph.nodes if n.spec.role is Role.MODEL and not is_float_model(n)]
        if not floats and ints:
            raise MLError(f"the model node '{ints[0]}' is already an int8 .tflite: Optimize works on a float "
                          "Keras model node (model.keras) followed by Prune channels / Quantize int8 nodes")
        raise MLError(f"Optimize needs exactly one float model node (model.keras or model.torch), found {len(floats)}")
    model = floats[0]
    steps = optimization_steps(graph, model.id)
    for i, step in enumerate(steps):
        if step.spec.optimization_step in QUANTIZE_STEPS and i != len(steps) - 1:
            raise MLError(f"'{step.id}' quantizes before '{steps[i + 1].id}'; put pruning before "
                          "the Quantize node")
        if step.spec.optimization_step not in ("prune", *QUANTIZE_STEPS):
            raise MLError(f"'{step.id}' ({step.type_id}) makes a model the device cannot run; Optimize "
                          "makes int8 or float16 models: use a Quantize int8 node")
    if not steps or steps[-1].spec.optimization_step not in QUANTIZE_STEPS:
        raise MLError(f"add a Quantize int8 node after '{model.id}' (it holds the calibration settings); "
                      "the device runs int8 models only")
    return Recipe(model, tuple(steps[:-1]), steps[-1])


def _device_plan(path: Path) -> tuple[dict[str, int], list[str]]:
    from codegen.model import analysis  # the model compiler is a leaf library
    from codegen.model.errors import ModelError

    try:
        s = analysis.analyze_tflite(path)
    except ModelError as e:
        return {}, [f"the model compiler cannot read the int8 model: {e.message}"]
    warnings = [f"the device code generator cannot run operator #{u.index} {u.op}: {u.message}"
                for u in s.unsupported]
    return {"arena_bytes": int(s.arena_bytes), "flash_bytes": int(s.flash_bytes), "macs": int(s.macs)}, warnings


@dataclass(frozen=True)
class Features:
    """Features made by the pipeline's DSP with their class indices: what pruning fine-tunes and
    calibration samples on (train), and what the accuracies are measured on (evaluation)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_eval: np.ndarray
    y_eval: np.ndarray
    evaluated_on: str      # the split ``x_eval`` is: "test", "validation" or "train"


def dataset_features(project: Project, cancelled: CancelFn | None = None,
                     every_window: bool = False) -> Features | None:
    """Features of the imported dataset (evaluation on the test split, else validation, else
    train), or None without an imported dataset. Raises _Stopped when cancelled."""
    from studio.ml.workflow import features

    if not dataset_of(project).samples:
        return None
    train = features(project, "train", cancelled, every_window)
    val = features(project, "validation", cancelled, every_window)
    test = features(project, "test", cancelled, every_window)
    for split, name in ((test, "test"), (val, "validation"), (train, "train")):
        if split[0].shape[0]:
            return Features(train[0], train[1], split[0], split[1], name)
    return None


def optimize_project(project: Project, progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                     seed: int = 0, every_window: bool = False, features: Features | None = None) -> OptimizeOutcome:
    """Runs the optimization the project's nodes describe (see the module doc) and writes the int8
    model into the project folder. ``progress(fraction, text)`` hears each stage and fine-tuning
    epoch; once ``cancelled()`` returns True the run stops at the next check and writes nothing.
    ``features`` replaces the imported dataset's (a sample's make script has its own arrays; they
    must come from the pipeline's DSP, e.g. ``studio.ml.pipeline.features_for_stream``)."""
    from nodes.model import KerasModel
    from nodes.quantize import QuantizeInt8
    from studio.ml.prune import prune_model
    from studio.ml.quantize import convert_int8, quantization_report, representative_subset
    from studio.ml.train import is_autoencoder
    from studio.ml.workflow import (_Stopped, _write_atomic, model_file_stem, project_file, reporters,
                                    save_keras_atomic)

    tell, stop = reporters(progress, cancelled)

    if project.dir is None:
        raise MLError(f"save project '{project.name}' first: the optimized model is written into its folder")
    r = recipe(project)
    if r.model.type_id == "model.torch":  # a converted PyTorch/ONNX float .tflite: no Keras steps
        from studio.ml.foreign_optimize import optimize_foreign

        return optimize_foreign(project, r, progress, cancelled, seed, every_window, features)
    ctx = NodeContext(project.dir)
    try:
        kp = KerasModel.check_props(r.model.props)
        KerasModel().summary(kp, ctx)        # refuses Lambda layers before anything is loaded
        float16 = r.quantize.spec.optimization_step == "float16"
        # float16 needs no calibration: the int8 defaults stand in for its (absent) settings
        qp = QuantizeInt8.check_props({} if float16 else r.quantize.props)
        fingerprint = current_recipe(project.graph, r.model, ctx)
    except NodeError as e:
        raise MLError(f"'{r.model.id}': {e.message}") from None
    stem = model_file_stem(Path(kp["model"]).stem)
    int8_rel = f"models/{stem}.{'float16' if float16 else 'int8'}.tflite"
    pruned_rel = f"models/{stem}.pruned.keras" if r.prunes else ""
    int8_path = project_file(project, int8_rel)
    pruned_path = project_file(project, pruned_rel) if pruned_rel else None
    cancelled_outcome = OptimizeOutcome(r.model.id, cancelled=True)
    warnings: list[str] = []

    tell(0.0, "making features with the pipeline's DSP")
    try:
        data = features if features is not None else dataset_features(project, cancelled, every_window)
    except _Stopped:
        return cancelled_outcome
    if stop():
        return cancelled_outcome

    import keras

    keras_path = ctx.resolve_asset(kp["model"])
    if keras_path.suffix.lower() == ".keras":
        read_keras_config(keras_path)   # its config bounded before Keras unpacks it
    model = keras.saving.load_model(str(keras_path), safe_mode=True, compile=False)
    n_out = int(np.prod(model.outputs[0].shape[1:]))
    labels = list(dataset_of(project).labels)
    classifier = not is_autoencoder(model) and len(labels) == n_out
    if data is None:
        if r.prunes:
            raise MLError("pruning fine-tunes on labelled data: import a dataset first (Run → Import dataset…)")
        if qp["representative"] == "pipeline" and not float16:
            raise MLError(f"'{r.quantize.id}' calibrates on the pipeline's features of the dataset: import a "
                          "dataset first, or set its representative to 'file'")
        warnings.append("no dataset imported: float and int8 accuracy were not measured")
    elif not classifier:
        if r.prunes:
            raise MLError(f"pruning fine-tunes a classifier on labels; '{r.model.id}' gives {n_out} outputs for "
                          f"{len(labels)} dataset labels")
        warnings.append(f"'{r.model.id}' gives {n_out} outputs for {len(labels)} dataset labels: accuracy was "
                        "not measured (not a classifier of this dataset)")

    prunes: list[PruneSummary] = []
    if data is not None:
        x_train, y_train, x_eval, y_eval = (np.asarray(a) for a in (data.x_train, data.y_train, data.x_eval,
                                                                      data.y_eval))
        x_train, x_eval = x_train.astype(np.float32), x_eval.astype(np.float32)
        evaluated_on = data.evaluated_on
    else:
        x_train = y_train = x_eval = y_eval = None
        evaluated_on = ""
    if features is None and data is not None and evaluated_on != "test":
        warnings.append(f"the test split is empty: accuracies are measured on the {evaluated_on} split")

    share = 0.75 / max(len(r.prunes), 1)
    for k, step in enumerate(r.prunes):
        try:
            pp = node_props(step)
        except NodeError as e:
            raise MLError(f"'{step.id}': {e.message}") from None
        base = 0.05 + share * k
        tell(base, f"pruning {100 * pp['fraction']:.0f}% of units in '{step.id}'")
        epochs = pp["fine_tune_epochs"]

        def on_epoch(epoch: int, logs: Mapping[str, float], base=base, epochs=epochs, step=step) -> None:
            shown = ", ".join(f"{key.replace('_', ' ')} {v:.3f}" for key, v in sorted(logs.items()))
            tell(base + share * epoch / max(epochs, 1), f"fine-tuning '{step.id}' epoch {epoch}/{epochs}: {shown}")

        report = prune_model(model, x_train, y_train, pp["fraction"], epochs,
                             validation=(x_eval, y_eval), seed=seed, progress=on_epoch, cancelled=cancelled)
        if report is None or stop():
            return cancelled_outcome
        prunes.append(PruneSummary(step.id, pp["fraction"], epochs, report.macs_before, report.macs_after,
                                   report.params_before, report.params_after, report.flash_bytes_before,
                                   report.flash_bytes_after, report.accuracy_before, report.accuracy_after,
                                   report.units_before, report.units_after))
        model = report.model

    tell(0.82, "converting to float16 weights" if float16
         else "quantizing to int16x8" if qp.get("activations") == "int16" else "quantizing to int8")
    if float16:
        from studio.ml.quantize import convert_float16

        rep = None
    elif qp["representative"] == "pipeline":
        rep = representative_subset(x_train, qp["n_samples"], seed)
    else:
        try:
            rep = QuantizeInt8().representative(qp, ctx)
        except NodeError as e:
            raise MLError(f"'{r.quantize.id}': {e.message}") from None
    tflite = (convert_float16(model) if float16
              else convert_int8(model, rep, qp["per_channel"], qp.get("activations", "int8")))
    tell(0.9, f"evaluating float and int8 on the {evaluated_on or 'no'} split")
    q = quantization_report(model, tflite, x_eval if x_eval is not None else np.zeros((0, 1), np.float32),
                            y_eval if classifier else None, max_drop=qp["max_drop_points"] / 100.0)
    warnings.extend(q.warnings)
    if stop():
        return cancelled_outcome
    if pruned_path is not None:
        save_keras_atomic(model, pruned_path)
    _write_atomic(int8_path, tflite)
    device, device_warnings = _device_plan(int8_path)
    warnings.extend(device_warnings)
    acc = ("" if q.int8_accuracy is None else
           f": float {100 * q.float_accuracy:.1f}%, int8 {100 * q.int8_accuracy:.1f}%")
    tell(1.0, f"wrote {int8_rel}{acc}")
    return OptimizeOutcome(r.model.id, int8_rel, pruned_rel, fingerprint, tuple(prunes), q.float_accuracy,
                           q.int8_accuracy, evaluated_on, q.samples, q.layers, q.float_bytes, q.int8_bytes,
                           device, tuple(warnings))


def node_props(node: Node) -> dict[str, Any]:
    return node.spec.check_props(node.props)


def with_optimized_model(project: Project, outcome: OptimizeOutcome) -> Project:
    """A copy of ``project`` whose model node runs the outcome's int8 model (for the CLI, which
    saves it; the editor applies ``outcome.props`` with an undoable command instead)."""
    if outcome.cancelled or not outcome.int8_model:
        raise MLError("the optimization was cancelled: nothing to apply")
    clone = copy.deepcopy(project)
    for name, value in outcome.props.items():
        clone.graph.set_property(outcome.model_node, name, value)
    return clone
