"""Full-integer int8 post-training quantization of a trained Keras model, and what it cost.

The conversion itself is the ``quantize.int8`` node's ``convert`` (one converter in the project: the
node and this module cannot drift apart): int8 weights, activations, input and output, calibrated on
representative features the pipeline itself made. ``quantization_report`` then measures float
accuracy (Keras) against int8 accuracy (TFLM, through the firmware's own input quantization) and
per-layer sizes, and warns when int8 loses more than ``max_drop`` accuracy.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nodes.base import NodeError
from studio.ml.errors import MLError
from studio.ml.pipeline import Int8Model

DEFAULT_MAX_DROP = 0.02  # two accuracy points


@dataclass(frozen=True)
class LayerSize:
    name: str
    kind: str            # Keras class name
    params: int
    float_bytes: int     # float32 weights
    int8_bytes: int      # int8 weights + int32 biases once quantized (batch norms fold into neighbours: 0)


@dataclass(frozen=True)
class QuantReport:
    tflite: bytes = field(repr=False)
    float_accuracy: float | None
    int8_accuracy: float | None
    samples: int
    layers: tuple[LayerSize, ...]
    float_bytes: int
    int8_bytes: int
    warnings: tuple[str, ...]

    @property
    def accuracy_drop(self) -> float | None:
        if self.float_accuracy is None or self.int8_accuracy is None:
            return None
        return self.float_accuracy - self.int8_accuracy


def representative_subset(features: np.ndarray, n_samples: int = 200, seed: int = 0) -> np.ndarray:
    """A seeded random subset of the training features for calibration (classes mixed, not the
    first n of a sorted set)."""
    features = np.asarray(features, dtype=np.float32)
    if features.shape[0] == 0:
        raise MLError("no features to calibrate the quantization with")
    idx = np.random.default_rng(seed).permutation(features.shape[0])[: min(n_samples, features.shape[0])]
    return features[np.sort(idx)]


def convert_int8(model, representative: np.ndarray, per_channel: bool = True,
                 activations: str = "int8") -> bytes:
    """The int8 .tflite bytes of a Keras model, through the ``quantize.int8`` node's converter
    (``activations`` "int16": the int16x8 .tflite)."""
    from nodes.quantize import QuantizeInt8

    node = QuantizeInt8()
    rep = np.asarray(representative, dtype=np.float32)
    props = node.check_props({"per_channel": bool(per_channel), "activations": activations,
                              "n_samples": int(min(max(rep.shape[0], 1), 10000))})
    with tempfile.TemporaryDirectory(prefix="tms-quant-") as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        try:
            return node.convert(path, rep, props)
        except NodeError as e:
            raise MLError(e.message) from None


def convert_float16(model) -> bytes:
    """The float16-weight .tflite bytes of a Keras model, through the ``quantize.float16`` node's
    converter (float32 activations and I/O; the device expands the weights at run time)."""
    from nodes.quantize import QuantizeFloat16

    with tempfile.TemporaryDirectory(prefix="tms-quant-") as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        try:
            return QuantizeFloat16().convert(path, {})
        except NodeError as e:
            raise MLError(e.message) from None


def layer_sizes(model) -> tuple[LayerSize, ...]:
    out = []
    for layer in model.layers:
        params = int(layer.count_params())
        if params == 0:
            continue
        kind = type(layer).__name__
        int8 = 0
        if kind != "BatchNormalization":
            for w in layer.weights:
                n = math.prod(int(d) for d in w.shape)
                int8 += 4 * n if w.path.rsplit("/", 1)[-1] == "bias" else n
        out.append(LayerSize(layer.name, kind, params, 4 * params, int8))
    return tuple(out)


def quantization_report(model, tflite: bytes, x_test: np.ndarray, y_test: np.ndarray | None,
                        max_drop: float = DEFAULT_MAX_DROP) -> QuantReport:
    """Float vs int8 accuracy of a classifier on (x_test, y_test), per-layer sizes and warnings."""
    x = np.asarray(x_test, dtype=np.float32)
    layers = layer_sizes(model)
    warnings: list[str] = []
    float_acc = int8_acc = None
    if y_test is not None and x.shape[0]:
        y = np.asarray(y_test)
        float_acc = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y))
        host = Int8Model(tflite)
        int8_acc = float(np.mean(np.argmax(host.scores(x), axis=-1) == y))
        kind = "int16x8" if host.dtype == np.int16 else "int8"
        if float_acc - int8_acc > max_drop:
            warnings.append(f"{kind} quantization loses {100 * (float_acc - int8_acc):.1f} accuracy points "
                            f"({100 * float_acc:.1f}% float → {100 * int8_acc:.1f}% {kind}), more than "
                            f"{100 * max_drop:.0f}: calibrate on more representative features, keep "
                            "per-channel weights, or check for features with a very wide range")
    return QuantReport(bytes(tflite), float_acc, int8_acc, int(x.shape[0]), layers,
                       sum(layer.float_bytes for layer in layers), sum(layer.int8_bytes for layer in layers),
                       tuple(warnings))


def quantize(model, representative: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
             per_channel: bool = True, max_drop: float = DEFAULT_MAX_DROP) -> QuantReport:
    """Converts ``model`` to int8 (calibrated on ``representative``) and reports what it cost."""
    tflite = convert_int8(model, representative, per_channel)
    return quantization_report(model, tflite, x_test, y_test, max_drop)
