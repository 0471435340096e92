"""Small standard Keras 3 models built by name and size, and the training loop the app drives.

``build_model(kind, input_shape, n_classes, **size)`` knows: ``dense`` (MLP), ``cnn1d`` (1-D
convolutions over time), ``dscnn`` (depthwise-separable CNN for keyword spotting), ``cnn2d`` (a small
image CNN) and ``autoencoder`` (dense, reconstructs its flattened input). Every layer is one the
int8 converter turns into ops the model compiler supports (no Normalization or Lambda layers: the
first becomes SUB, the second runs Python on load). Keras is imported inside functions only.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from studio.ml.errors import MLError

MODEL_KINDS = ("dense", "cnn1d", "dscnn", "cnn2d", "autoencoder")
# Keras' default BatchNormalization momentum (0.99) needs thousands of steps before its moving
# statistics match the data; a user's dataset of ~200 clips gives ~6 steps an epoch, so the model
# scored chance at inference while training accuracy reached 100%. 0.9 converges in tens of steps.
BN_MOMENTUM = 0.9

ProgressFn = Callable[[int, Mapping[str, float]], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class TrainResult:
    history: Mapping[str, tuple[float, ...]]  # metric name -> one value per finished epoch
    epochs_run: int
    accuracy: float | None      # float accuracy on the validation data (or training data); None for autoencoders
    loss: float                 # final loss on the same data
    cancelled: bool
    best_epoch: int = 0         # the epoch whose weights the model holds (1-based; 0 = last)


def quiet_tensorflow() -> None:
    """Silences TensorFlow's C++ and absl start-up logging (set before TF is first imported)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


# TensorFlow's own start-up and converter chatter: absl log lines before its log is initialised
# ("I0000 00:00:... port.cc:153] oneDNN custom operations are on ..."; TF_CPP_MIN_LOG_LEVEL does
# not reach them), the MLIR converter's summary lines, and Keras' export listing.
_TF_NOISE = re.compile(rb"^(WARNING: All log messages before absl::InitializeLog\(\)|[IW]\d{4} \d\d:\d\d:\d\d"
                       rb"|fully_quantize: |Saved artifact at |\* Endpoint |  args_0 |Output Type:|  TensorSpec\("
                       rb"|Captures:|  \d+: TensorSpec\(|\s*$)")


@contextlib.contextmanager
def tensorflow_quiet():
    """Runs its body with TensorFlow's log noise dropped: file descriptors 1 and 2 go through a
    filter that forwards every other line (errors, our progress) to stderr. Stdout is for results
    (--json), so nothing in the body reaches it."""
    quiet_tensorflow()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 1)
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if not _TF_NOISE.match(line):
                    os.write(saved_err, line)

    thread = threading.Thread(target=pump, name="tensorflow-log-filter", daemon=True)
    thread.start()
    try:
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            # the int8 converter warns about input statistics it does not use for full-integer models
            warnings.filterwarnings("ignore", message="Statistics for quantized inputs", category=UserWarning)
            yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        thread.join(timeout=10)
        os.close(saved_out)
        os.close(saved_err)


def set_seed(seed: int) -> None:
    """Seeds Python, numpy and the Keras backend so a training run repeats."""
    import keras

    keras.utils.set_random_seed(seed)


def build_model(kind: str, input_shape: Sequence[int], n_classes: int, **size: Any):
    """A compiled Keras model. Size keywords per kind (defaults in brackets):
    dense: units [32] in the first hidden layer, halving in each next one, layers [2], dropout [0.0];
    cnn1d: filters [16], layers [2], kernel [5], units [32];
    dscnn: filters [32], blocks [3], dropout [0.1];
    cnn2d: filters [8], layers [2], units [32];
    autoencoder: units [32], bottleneck [8] (n_classes is ignored: it reconstructs its input)."""
    import keras
    from keras import layers as L

    shape = tuple(int(d) for d in input_shape)
    if kind not in MODEL_KINDS:
        raise MLError(f"unknown model kind '{kind}'; choose one of {', '.join(MODEL_KINDS)}")
    if not shape or any(d < 1 for d in shape):
        raise MLError(f"input shape {shape} must have at least one dimension, all positive")
    if kind != "autoencoder" and n_classes < 2:
        raise MLError(f"a classifier needs at least 2 classes, got {n_classes}")
    known = {"dense": {"units", "layers", "dropout"}, "cnn1d": {"filters", "layers", "kernel", "units"},
             "dscnn": {"filters", "blocks", "dropout"}, "cnn2d": {"filters", "layers", "units"},
             "autoencoder": {"units", "bottleneck"}}[kind]
    unknown = set(size) - known
    if unknown:
        raise MLError(f"model kind '{kind}' has no size option {', '.join(sorted(unknown))} "
                      f"(it takes: {', '.join(sorted(known))})")
    inputs = keras.Input(shape=shape, name="features")
    if kind == "dense":
        x = L.Flatten()(inputs) if len(shape) > 1 else inputs
        for i in range(int(size.get("layers", 2))):
            x = L.Dense(int(size.get("units", 32)) // (2 ** i) or 1, activation="relu")(x)
            if size.get("dropout", 0.0):
                x = L.Dropout(float(size["dropout"]))(x)
        outputs = L.Dense(n_classes, activation="softmax", name="scores")(x)
    elif kind == "cnn1d":
        x = L.Reshape((shape[0], math.prod(shape[1:]) if len(shape) > 1 else 1))(inputs)
        for i in range(int(size.get("layers", 2))):
            x = L.Conv1D(int(size.get("filters", 16)) * (2 ** i), int(size.get("kernel", 5)),
                         padding="same", activation="relu")(x)
            x = L.MaxPooling1D(2)(x)
        x = L.Flatten()(x)
        x = L.Dense(int(size.get("units", 32)), activation="relu")(x)
        outputs = L.Dense(n_classes, activation="softmax", name="scores")(x)
    elif kind == "dscnn":
        x = _as_image(inputs, shape)
        filters = int(size.get("filters", 32))
        # the first layer spans 10 time steps × 4 coefficients, as in "Hello Edge" (Zhang et al. 2017)
        x = L.Conv2D(filters, (min(10, x.shape[1]), min(4, x.shape[2])), strides=(2, 2), padding="same",
                     use_bias=False)(x)
        x = L.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = L.ReLU()(x)
        for _ in range(int(size.get("blocks", 3))):
            x = L.DepthwiseConv2D((3, 3), padding="same", use_bias=False)(x)
            x = L.BatchNormalization(momentum=BN_MOMENTUM)(x)
            x = L.ReLU()(x)
            x = L.Conv2D(filters, (1, 1), use_bias=False)(x)
            x = L.BatchNormalization(momentum=BN_MOMENTUM)(x)
            x = L.ReLU()(x)
        if size.get("dropout", 0.1):
            x = L.Dropout(float(size.get("dropout", 0.1)))(x)
        x = L.GlobalAveragePooling2D()(x)
        outputs = L.Dense(n_classes, activation="softmax", name="scores")(x)
    elif kind == "cnn2d":
        x = _as_image(inputs, shape)
        for i in range(int(size.get("layers", 2))):
            x = L.Conv2D(int(size.get("filters", 8)) * (2 ** i), (3, 3), padding="same", activation="relu")(x)
            if x.shape[1] >= 2 and x.shape[2] >= 2:
                x = L.MaxPooling2D((2, 2))(x)
        x = L.Flatten()(x)
        x = L.Dense(int(size.get("units", 32)), activation="relu")(x)
        outputs = L.Dense(n_classes, activation="softmax", name="scores")(x)
    else:  # autoencoder
        n = math.prod(shape)
        x = L.Flatten()(inputs) if len(shape) > 1 else inputs
        units, bottleneck = int(size.get("units", 32)), int(size.get("bottleneck", 8))
        x = L.Dense(units, activation="relu")(x)
        x = L.Dense(bottleneck, activation="relu", name="bottleneck")(x)
        x = L.Dense(units, activation="relu")(x)
        outputs = L.Dense(n, name="reconstruction")(x)
    model = keras.Model(inputs, outputs, name=kind)
    if kind == "autoencoder":
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    else:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def _as_image(inputs, shape: tuple[int, ...]):
    """(H, W) features become (H, W, 1); (H, W, C) stay; 1-D features become a column (N, 1, 1)."""
    from keras import layers as L

    if len(shape) == 3:
        return inputs
    if len(shape) == 2:
        return L.Reshape((shape[0], shape[1], 1))(inputs)
    if len(shape) == 1:
        return L.Reshape((shape[0], 1, 1))(inputs)
    raise MLError(f"a 2-D CNN takes (height, width[, channels]) features, not {shape}")


def is_autoencoder(model) -> bool:
    return model.name == "autoencoder"


def train(model, x: np.ndarray, y: np.ndarray | None, epochs: int, batch_size: int = 32,
          progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
          validation: tuple[np.ndarray, np.ndarray | None] | None = None, seed: int = 0,
          verbose: int = 0, patience: int | None = None) -> TrainResult:
    """Fits ``model`` on features ``x`` and integer labels ``y`` (None for an autoencoder, which
    learns to reproduce ``x``). ``progress(epoch, logs)`` is called after each epoch (epoch counts
    from 1); training stops after the current epoch once ``cancelled()`` returns True. With
    ``patience``, ``epochs`` is a cap: training stops when the validation loss (the training loss
    without validation data) has not improved for ``patience`` epochs, and the model ends with the
    weights of its best epoch either way."""
    import keras

    x = np.asarray(x, dtype=np.float32)
    if x.ndim < 2 or x.shape[0] < 1:
        raise MLError(f"training needs features (samples, ...), got shape {x.shape}")
    if epochs < 1 or batch_size < 1:
        raise MLError(f"epochs ({epochs}) and batch_size ({batch_size}) must be at least 1")
    auto = is_autoencoder(model)
    target = _target(x, y, auto, model)
    val = None
    if validation is not None:
        vx = np.asarray(validation[0], dtype=np.float32)
        val = (vx, _target(vx, validation[1], auto, model))
    state = {"cancelled": False, "best": math.inf, "best_epoch": 0, "weights": None, "wait": 0}
    monitor = "val_loss" if val is not None else "loss"

    class _Hooks(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            if progress is not None:
                progress(epoch + 1, logs)
            if patience is not None:
                value = logs.get(monitor, math.inf)
                if value < state["best"]:
                    state.update(best=value, best_epoch=epoch + 1, weights=self.model.get_weights(), wait=0)
                else:
                    state["wait"] += 1
                    if state["wait"] >= patience:
                        self.model.stop_training = True
            if cancelled is not None and cancelled():
                state["cancelled"] = True
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            if state["weights"] is not None:
                self.model.set_weights(state["weights"])

    set_seed(seed)
    hist = model.fit(x, target, epochs=int(epochs), batch_size=int(batch_size), validation_data=val,
                     callbacks=[_Hooks()], verbose=verbose, shuffle=True)
    history = {k: tuple(float(v) for v in vals) for k, vals in hist.history.items()}
    ex, et = val if val is not None else (x, target)
    scores = model.evaluate(ex, et, verbose=0, return_dict=True)
    return TrainResult(history=history, epochs_run=len(next(iter(history.values()), ())),
                       accuracy=None if auto else float(scores["accuracy"]), loss=float(scores["loss"]),
                       cancelled=state["cancelled"], best_epoch=int(state["best_epoch"]))


def _target(x: np.ndarray, y: np.ndarray | None, auto: bool, model) -> np.ndarray:
    if auto:
        return x.reshape(x.shape[0], -1)
    if y is None:
        raise MLError("a classifier needs labels y (one class index per sample)")
    y = np.asarray(y)
    if y.shape != (x.shape[0],):
        raise MLError(f"labels have shape {y.shape}; need one class index per sample ({x.shape[0]},)")
    n_classes = int(model.outputs[0].shape[-1])
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise MLError(f"labels must be class indices 0…{n_classes - 1}, found {int(y.min())}…{int(y.max())}")
    return y.astype(np.int32)


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    """Float accuracy of a classifier: argmax of its scores against labels."""
    pred = np.argmax(model.predict(np.asarray(x, np.float32), verbose=0), axis=-1)
    return float(np.mean(pred == np.asarray(y)))
