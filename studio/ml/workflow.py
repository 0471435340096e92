"""Training in the app: the imported dataset → the pipeline's own features → a trained int8 model.

``train_project`` reads the splits ``studio.ml.importer`` recorded, turns every clip into features
with the pipeline's numpy DSP references (``features_for_clips``, the same code the firmware is
checked against), builds and trains a model by name, quantizes it to int8 calibrated on training
features, evaluates float (Keras) and int8 (TFLM, through the firmware's input quantization) on the
test split, and writes ``models/<name>.tflite`` into the project folder atomically.

It never edits the graph: the UI points the model node (``model_node_id``) at the new file with an
undoable command. Keras is imported only inside the functions that train.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from nodes.base import NodeError
from studio.core.dataset import dataset_of
from studio.core.errors import BadInput
from studio.core.files import atomic_save_with, atomic_write
from studio.core.project import Project, safe_join
from studio.ml.errors import MLError
from studio.ml.importer import dataset_labels, load_split, split_files
from studio.ml.pipeline import (MODEL_TYPES, Int8Model, context, features_for_clip, features_for_stream,
                                pipeline_chain)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]
MAX_INT8_DROP = 0.02
REPRESENTATIVE_SAMPLES = 200


@dataclass(frozen=True)
class TrainOutcome:
    """What a training run made. A cancelled run wrote nothing: accuracies None, model_path ''."""

    float_accuracy: float | None          # Keras model on the test split
    int8_accuracy: float | None           # int8 .tflite in TFLM on the test split
    confusion: tuple[tuple[int, ...], ...]   # int8, test split: rows true label, columns predicted
    labels: tuple[str, ...]
    model_path: str                       # relative to the project folder, e.g. "models/model.tflite"
    epochs_run: int
    cancelled: bool
    history: Mapping[str, tuple[float, ...]]
    warnings: tuple[str, ...]
    evaluated_on: str = "test"            # the split the accuracies come from
    float_model_path: str = ""            # the float Keras model, e.g. "models/model.keras" (to optimize)
    layers: tuple = ()                    # studio.ml.quantize.LayerSize per layer with weights
    best_epoch: int = 0                   # the epoch whose weights were kept (early stopping)
    kind: str = ""                        # the model family trained


def trained_model_props(type_id: str, outcome: TrainOutcome) -> dict[str, str]:
    """The model node properties that make the pipeline use a trained model: a .tflite node takes
    the int8 file; a float Keras node takes the float file and drops its old int8 model (Optimize
    then prunes and quantizes it as the nodes after it say)."""
    if outcome.cancelled or not outcome.model_path:
        raise MLError("the training was cancelled: there is no model to use")
    labels = {"labels": list(outcome.labels)} if outcome.labels else {}
    if type_id == "model.keras":
        return {"model": outcome.float_model_path, "int8_model": "", "int8_recipe": "", **labels}
    return {"model": outcome.model_path, **labels}


LABELLED_OUTPUTS = ("outputs.gpio_led", "outputs.threshold_alert")


def output_label_props(project: Project, labels: Sequence[str]) -> dict[str, dict[str, str]]:
    """node id -> properties for the outputs that name a class (LED, alert) whose class is not one
    of ``labels``: they then show the last class (for an alert: "anomaly" in normal/anomaly)."""
    out = {}
    for node in project.graph.nodes:
        if node.type_id in LABELLED_OUTPUTS and labels:
            current = node.props.get("label", "")
            if (current or node.type_id == "outputs.gpio_led") and current not in labels:
                out[node.id] = {"label": labels[-1]}
    return out


def with_trained_model(project: Project, outcome: TrainOutcome) -> Project:
    """A copy of ``project`` whose model node uses the trained model (the CLI saves it; the editor
    applies ``trained_model_props`` with an undoable command)."""
    clone = copy.deepcopy(project)
    node_id = model_node_id(clone)
    for name, value in trained_model_props(clone.graph.node(node_id).type_id, outcome).items():
        clone.graph.set_property(node_id, name, value)
    for out_id, props in output_label_props(clone, outcome.labels).items():
        for name, value in props.items():
            clone.graph.set_property(out_id, name, value)
    return clone


def model_node_id(project: Project) -> str:
    """The id of the project's one model node (the node the trained model belongs to)."""
    found = [n.id for n in project.graph.nodes if n.type_id in MODEL_TYPES]
    if len(found) != 1:
        raise MLError(f"the pipeline needs exactly one model node ({' or '.join(MODEL_TYPES)}), found "
                      f"{len(found)}; add one after the DSP chain")
    return found[0]


def model_file_stem(name: str) -> str:
    """``name`` as a file stem for models/ (letters, digits, _ and -; at most 64)."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:64]
    if not safe:
        raise MLError(f"model name {name!r} has no letters or digits; choose another")
    return safe


def project_file(project: Project, rel: str) -> Path:
    """``rel`` inside the project's folder (MLError when it would leave it)."""
    try:
        return safe_join(project.dir, rel)
    except BadInput as e:
        raise MLError(e.message) from None


def _unshaped(project: Project) -> Project:
    """A copy of the project whose model node names no file, so features keep the DSP's own shape
    (a model from an earlier run, made for another DSP setting, must not reshape them)."""
    clone = copy.deepcopy(project)
    clone.graph.node(model_node_id(clone)).props["model"] = ""
    return clone


class _Stopped(Exception):
    """The user cancelled while features were being made."""


def features(project: Project, split: str, cancelled: CancelFn | None = None,
             every_window: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Features (examples, *DSP output shape) of one split and their class indices: one example
    per clip (its first window), or with ``every_window`` one per whole window of each clip, all
    with the clip's label (the split stays per clip, so windows of one recording never land in two
    splits). ``cancelled`` is asked before each clip (a large dataset takes a while)."""
    clips, y = load_split(project, split)
    files = split_files(project, split)
    bare = _unshaped(project)
    out, ys = [], []
    for clip, label, (rel, _name) in zip(clips, y, files):
        if cancelled is not None and cancelled():
            raise _Stopped
        try:
            if clip.ndim == 3:  # an image: the pipeline runs on a stream of one image
                made = features_for_stream(bare, clip[None])
            elif every_window:
                made = features_for_stream(bare, clip)
                if made.shape[0] == 0:
                    raise MLError(f"the clip has {clip.shape[0]} samples, fewer than one window")
            else:
                made = features_for_clip(bare, clip)[None]
        except MLError as e:
            raise MLError(f"'{rel}': {e.message}") from None
        out.append(made)
        ys.extend([int(label)] * made.shape[0])
    if not out:
        return np.zeros((0,), np.float32), np.zeros((0,), np.int32)
    return np.concatenate(out).astype(np.float32), np.asarray(ys, dtype=np.int32)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[tuple[int, ...], ...]:
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return tuple(tuple(int(v) for v in row) for row in m)


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        atomic_write(path, lambda f: f.write(data))
    except OSError as e:
        raise MLError(f"cannot write the model '{path}': {e.strerror or e}") from None


def reporters(progress: ProgressFn | None, cancelled: CancelFn | None):
    """(tell, stop): ``tell(fraction, text)`` passes progress on clamped to 0..1 (if anyone listens),
    ``stop()`` asks ``cancelled`` (False without one)."""
    def tell(fraction: float, text: str) -> None:
        if progress is not None:
            progress(min(max(float(fraction), 0.0), 1.0), text)

    def stop() -> bool:
        return cancelled is not None and bool(cancelled())

    return tell, stop


def save_keras_atomic(model, path: Path) -> None:
    """Saves a Keras model as ``path`` (.keras) through a temporary file in the same folder."""
    try:
        atomic_save_with(path, lambda tmp: model.save(tmp), ".keras")
    except OSError as e:
        raise MLError(f"cannot write the model '{path}': {e.strerror or e}") from None


def _epoch_text(epoch: int, epochs: int, logs: Mapping[str, float]) -> str:
    shown = ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in sorted(logs.items()))
    return f"epoch {epoch}/{epochs}: {shown}"


def _cancelled_outcome(labels: Sequence[str], epochs_run: int, history: Mapping[str, tuple[float, ...]],
                       warnings: Sequence[str]) -> TrainOutcome:
    return TrainOutcome(None, None, (), tuple(labels), "", epochs_run, True, dict(history), tuple(warnings))


def _dataset_warnings(project: Project, labels: Sequence[str]) -> list[str]:
    out = []
    ds = dataset_of(project)
    rate = ds.rate_hz
    try:
        sensor = pipeline_chain(project).sensor
        node_labels = list(project.graph.node(model_node_id(project)).props.get("labels") or [])
    except MLError:
        return out
    srate = sensor.props.get("rate_hz")
    if rate and srate and not math.isclose(float(rate), float(srate), rel_tol=1e-6):
        out.append(f"the dataset was recorded at {float(rate):g} Hz but the sensor '{sensor.node_id}' runs "
                   f"at {float(srate):g} Hz; set the sensor's rate to match")
    try:
        produced = tuple(sensor.ntype.infer({}, sensor.props, context(project))["out"].shape)
    except (NodeError, KeyError, TypeError):
        produced = ()
    want = tuple(ds.shape or ()) or (ds.channels,)
    if produced and want[0] is not None and produced[-len(want):] != want:
        out.append(f"the dataset's samples are {'×'.join(map(str, want))} but the sensor '{sensor.node_id}' "
                   f"gives {'×'.join(map(str, produced))}: the device would see other data than the model "
                   "was trained on; set the sensor to match")
    counts = [c["train"] for c in ds.label_counts().values() if c["train"]]
    if counts and max(counts) > 3 * min(counts):
        big = max(ds.label_counts().items(), key=lambda kv: kv[1]["train"])[0]
        small = min(ds.label_counts().items(), key=lambda kv: kv[1]["train"] or math.inf)[0]
        out.append(f"the classes are unbalanced more than 3:1 in the training split ('{big}' {max(counts)}, "
                   f"'{small}' {min(counts)} clips); add clips of the small classes")
    if node_labels and node_labels != list(labels):
        out.append(f"the model node's labels ({', '.join(node_labels)}) differ from the dataset's "
                   f"({', '.join(labels)}); set them to the dataset's order")
    return out


DEFAULT_EPOCHS = 60       # a cap: early stopping ends most runs well before it
PATIENCE = 10             # epochs without a better validation loss before training stops
NEAR_CHANCE = 1.5         # best validation accuracy below this many times chance: warn
PARAMS_PER_EXAMPLE = 50   # more parameters per training example than this: warn (overfitting)
EpochFn = Callable[[int, Mapping[str, float]], None]


def default_kind(feature_shape: Sequence[int]) -> str:
    """The model family for features of this shape: images (H, W, C) a small CNN, time × coefficient
    maps (MFCC, spectrogram) a depthwise-separable CNN, flat features a dense network."""
    if len(feature_shape) == 3:
        return "cnn2d"
    if len(feature_shape) == 2 and min(feature_shape) > 1:
        return "dscnn"
    return "dense"


def train_project(project: Project, kind: str = "auto", size: Mapping[str, Any] | None = None,
                  epochs: int = DEFAULT_EPOCHS, batch_size: int = 32, progress: ProgressFn | None = None,
                  cancelled: CancelFn | None = None, seed: int = 0, name: str = "model",
                  every_window: bool = False, on_epoch: EpochFn | None = None,
                  patience: int | None = PATIENCE) -> TrainOutcome:
    """Trains ``kind`` (see ``studio.ml.train.build_model``) on the project's imported dataset and
    writes its int8 model to ``models/<name>.tflite``. ``progress(fraction, text)`` is told about
    feature making, each epoch (loss and accuracy) and the evaluation; once ``cancelled()`` returns
    True the run stops after the current epoch and writes nothing. ``every_window`` trains on every
    whole window of each clip instead of its first (for recordings longer than one window).
    ``kind`` "auto" picks the family by the features' shape (``default_kind``); ``epochs`` is a cap
    when ``patience`` is set (early stopping, the best epoch's weights kept). ``on_epoch(epoch,
    logs)`` gets each finished epoch's loss/accuracy and val_loss/val_accuracy (for live curves)."""
    from studio.ml.quantize import convert_int8, layer_sizes, representative_subset
    from studio.ml.train import accuracy, build_model, set_seed, train

    tell, stop = reporters(progress, cancelled)

    if project.dir is None:
        raise MLError(f"save project '{project.name}' first: the model is written into its folder")
    if kind == "autoencoder":
        raise MLError("train_project trains classifiers on labelled data; an autoencoder learns from normal "
                      "data only: choose dense, cnn1d, dscnn or cnn2d")
    labels = dataset_labels(project)
    if epochs < 1:
        raise MLError(f"epochs ({epochs}) must be at least 1")
    target_rel = f"models/{model_file_stem(name)}.tflite"
    target = project_file(project, target_rel)
    warnings = _dataset_warnings(project, labels)

    tell(0.0, "making features with the pipeline's DSP")
    try:
        x_train, y_train = features(project, "train", cancelled, every_window)
        if x_train.shape[0] == 0:
            raise MLError("the training split is empty; import more samples")
        x_val, y_val = features(project, "validation", cancelled, every_window)
        x_test, y_test = features(project, "test", cancelled, every_window)
    except _Stopped:
        return _cancelled_outcome(labels, 0, {}, warnings)
    evaluated_on = "test"
    if x_test.shape[0] == 0:
        x_test, y_test, evaluated_on = (x_val, y_val, "validation") if x_val.shape[0] else (x_train, y_train, "train")
        warnings.append(f"the test split is empty: accuracies are measured on the {evaluated_on} split; "
                        "import more samples for an honest figure")
    if stop():
        return _cancelled_outcome(labels, 0, {}, warnings)
    tell(0.05, f"features {x_train.shape[1:]} for {x_train.shape[0]} training clips")

    if kind == "auto":
        kind = default_kind(x_train.shape[1:])
    set_seed(seed)
    model = build_model(kind, x_train.shape[1:], len(labels), **dict(size or {}))
    params = int(model.count_params())
    if params > PARAMS_PER_EXAMPLE * x_train.shape[0]:
        warnings.append(f"the dataset is small for the model: {x_train.shape[0]} training examples for "
                        f"{params:,} parameters; it may learn the clips by heart: add clips or choose a "
                        "smaller model")

    def epoch_done(epoch: int, logs: Mapping[str, float]) -> None:
        tell(0.05 + 0.85 * epoch / epochs, _epoch_text(epoch, epochs, logs))
        if on_epoch is not None:
            on_epoch(epoch, logs)

    result = train(model, x_train, y_train, epochs, batch_size, progress=epoch_done, cancelled=cancelled,
                   validation=(x_val, y_val) if x_val.shape[0] else None, seed=seed, patience=patience)
    val_acc = result.history.get("val_accuracy", ())
    chance = 1.0 / len(labels)
    if val_acc and max(val_acc) < NEAR_CHANCE * chance:
        warnings.append(f"validation accuracy stayed near chance (best {100 * max(val_acc):.0f}%, chance "
                        f"{100 * chance:.0f}%): the model learned nothing that carries over; check that the "
                        "classes differ in the DSP's features, add clips, or train longer")
    if result.cancelled:
        return _cancelled_outcome(labels, result.epochs_run, result.history, warnings)

    tell(0.92, "quantizing to int8")
    tflite = convert_int8(model, representative_subset(x_train, REPRESENTATIVE_SAMPLES, seed))
    tell(0.95, f"evaluating on the {evaluated_on} split")
    float_acc = accuracy(model, x_test, y_test)
    predicted = np.argmax(Int8Model(tflite).scores(x_test), axis=-1)
    int8_acc = float(np.mean(predicted == y_test))
    if float_acc - int8_acc > MAX_INT8_DROP:
        warnings.append(f"int8 loses {100 * (float_acc - int8_acc):.1f} accuracy points "
                        f"({100 * float_acc:.1f}% float → {100 * int8_acc:.1f}% int8); calibrate on more "
                        "training clips or check features with a very wide range")
    if stop():
        return _cancelled_outcome(labels, result.epochs_run, result.history, warnings)
    float_rel = target_rel[: -len(".tflite")] + ".keras"
    save_keras_atomic(model, project_file(project, float_rel))
    _write_atomic(target, tflite)
    tell(1.0, f"wrote {target_rel}: float {100 * float_acc:.1f}%, int8 {100 * int8_acc:.1f}%")
    return TrainOutcome(float_acc, int8_acc, confusion_matrix(y_test, predicted, len(labels)), labels,
                        target_rel, result.epochs_run, False, dict(result.history), tuple(warnings),
                        evaluated_on, float_rel, layer_sizes(model), result.best_epoch, kind)
