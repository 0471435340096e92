"""Quantization node types: how a float model upstream becomes what the device runs.

A quantize node sits after a model node (``scores`` in, ``scores`` out, shapes unchanged). Full-integer
int8 runs on every core; float16 (float16 weights expanded at run time, float32 activations) runs on
cores with an FPU. Dynamic-range quantization is retired (``RETIRED_DYNAMIC_RANGE`` says why): the
type stays registered, out of the palette, so a project using it still opens and is told what to do. ``convert`` functions run TensorFlow's converter (imported
lazily) on a ``.keras``/``.h5`` file and return the ``.tflite`` bytes.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from nodes.base import Mode, Role, RunState, Cost, NodeContext, NodeError, NodeType, Param, Port, register, require_dtype, single_input
from nodes.datafiles import load_numeric_npy, read_keras_config

_IN = Port("scores", ("f32",), "scores of the model node upstream")
_OUT = Port("scores", ("f32",), "the same scores, from the quantized model")


def _load_keras(model_path: Path):
    """The float model, loaded the safe way (the model node has already refused Lambda layers)."""
    import keras

    if Path(model_path).suffix.lower() == ".keras":
        read_keras_config(Path(model_path))   # its config bounded before Keras unpacks it
    return keras.saving.load_model(str(model_path), safe_mode=True, compile=False)


def _converter(model_path: Path):
    """(tensorflow module, converter, keras model) for the float model at ``model_path``."""
    import tensorflow as tf

    model = _load_keras(Path(model_path))
    return tf, tf.lite.TFLiteConverter.from_keras_model(model), model


def _pass_through(inputs) -> dict:
    spec = single_input(inputs, "scores")
    require_dtype(spec, ("f32",), "scores")
    return {"scores": spec}


def load_representative(path: Path) -> np.ndarray:
    """A .npy of feature tensors (samples, ...), float32; pickled or non-numeric data refused."""
    arr = load_numeric_npy(path, "representative data")
    if arr.ndim < 2 or arr.shape[0] < 1:
        raise NodeError(f"'{path.name}' must be a numeric array (samples, feature dims...), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NodeError(f"'{path.name}' contains NaN or infinite values")
    return arr.astype(np.float32)


@register
class QuantizeInt8(NodeType):
    type_id = "quantize.int8"
    role = Role.PASS_THROUGH
    optimization_step = "int8"
    title = "Quantize int8"
    doc = ("Full-integer post-training quantization (int8 weights, activations, input and output), the "
           "form the device runs. Representative data: the features the pipeline's own DSP makes from "
           "its replay/dataset samples, or a .npy of features (samples, ...).")
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("per_channel", bool, True, doc="one scale per output channel of each weight tensor"),
        Param("activations", str, "int8", choices=("int8", "int16"),
              doc="int16: TFLite's int16x8 mode (int16 activations, input and output, int8 weights, "
                  "int64 biases), calibrated the same way; more accurate for audio models, twice "
                  "the activation RAM"),
        Param("representative", str, "pipeline", choices=("pipeline", "file")),
        Param("representative_file", str, "", kind="asset", doc=".npy of features when representative = file"),
        Param("n_samples", int, 100, min=1, max=10000, doc="representative samples used for calibration"),
        Param("max_drop_points", float, 2.0, min=0.0, max=100.0, unit="points",
              doc="Optimize warns when int8 accuracy is lower than float accuracy by more than this"),
    ]

    def infer(self, inputs, p, ctx):
        out = _pass_through(inputs)
        if p["representative"] == "file":
            self.representative(p, ctx)
        return out

    def cost(self, inputs, outputs, p, ctx):
        return Cost()  # the model node upstream already charges the int8 model

    def representative(self, p: Mapping[str, Any], ctx: NodeContext) -> np.ndarray:
        """The representative features of ``representative_file`` (first ``n_samples``)."""
        if not p["representative_file"]:
            raise NodeError("choose a .npy file of representative features, or set representative "
                            "to 'pipeline'")
        path = ctx.resolve_asset(p["representative_file"])
        return load_representative(path)[: p["n_samples"]]

    def convert(self, model_path: Path, representative: np.ndarray, p: Mapping[str, Any]) -> bytes:
        """An int8 .tflite (int8 input and output) of the float Keras model, calibrated on
        ``representative`` (samples, ...) reshaped to the model input; with ``activations`` int16
        an int16x8 .tflite (int16 input, output and activations, int8 weights)."""
        tf, conv, model = _converter(model_path)
        model_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
        samples = np.asarray(representative, dtype=np.float32)[: p["n_samples"]]
        if samples.ndim < 1 or samples.shape[0] < 1:
            raise NodeError("no representative samples to calibrate the quantization")
        per_sample = int(np.prod(samples.shape[1:]))
        if per_sample != int(np.prod(model_shape)):
            raise NodeError(f"representative samples have {per_sample} values each but the model input "
                            f"{'×'.join(map(str, model_shape))} takes {int(np.prod(model_shape))}")

        def dataset() -> Iterator[list[np.ndarray]]:
            for s in samples:
                yield [s.reshape((1,) + model_shape)]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = dataset
        if p.get("activations", "int8") == "int16":
            conv.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            conv.inference_input_type = tf.int16
            conv.inference_output_type = tf.int16
        else:
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        # The converter has no public switch for per-tensor weights; this documented-in-source flag is it.
        conv._experimental_disable_per_channel = not p["per_channel"]
        try:
            return bytes(conv.convert())
        except Exception as e:  # noqa: BLE001 - the converter raises many types; all mean "cannot convert"
            kind = "int16x8" if p.get("activations", "int8") == "int16" else "int8"
            raise NodeError(f"TensorFlow could not quantize the model to {kind}: {e}") from None


@register
class PruneChannels(NodeType):
    type_id = "quantize.prune"
    role = Role.PASS_THROUGH
    optimization_step = "prune"
    title = "Prune channels"
    doc = ("Structured pruning of a float Keras model (between the Keras model node and Quantize int8): "
           "Optimize removes the given share of units/filters with the lowest L1 norm from every Dense "
           "and convolution layer but the last, fine-tunes on the training split and reports the MACs "
           "and flash saved. Budgets show the unpruned estimate until Optimize has made the int8 model.")
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("fraction", float, 0.25, min=0.05, max=0.9, doc="share of units/filters removed per layer"),
        Param("fine_tune_epochs", int, 2, min=0, max=500, doc="training epochs after pruning"),
    ]

    def infer(self, inputs, p, ctx):
        return _pass_through(inputs)


REPORT_ONLY = frozenset({"max_drop_points"})  # properties that change the report, not the model
# properties left out at their default, so fingerprints recorded before they existed stay valid
OMITTED_AT_DEFAULT = {"activations": "int8"}


def recipe_fingerprint(float_sha256: str, steps: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """A short fingerprint of a float model's content and the optimization nodes applied to it
    (type ids and checked properties, in order): Optimize records it next to the int8 model it
    makes, and validation compares it with the current one to tell when that model is stale."""
    kept = [[t, {k: v for k, v in sorted(p.items())
                 if k not in REPORT_ONLY and OMITTED_AT_DEFAULT.get(k, object()) != v}]
            for t, p in steps]
    blob = json.dumps({"float": float_sha256, "steps": kept},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


RETIRED_DYNAMIC_RANGE = (
    "Quantize dynamic range was removed: on a microcontroller it stores int8 weights like Quantize int8 "
    "but keeps float32 activations (four times the RAM), needs an FPU and quantizes every layer's input "
    "at run time, so full-integer int8 is smaller and faster everywhere (TFLite Micro dropped its "
    "hybrid kernels too). Replace this node with Quantize int8, or with Quantize float16 to keep float "
    "maths on a core with an FPU")
FLOAT16_NEEDS_FPU = ("float16 quantization keeps float32 activations: {board} has no FPU, so the model "
                     "would run in software floating point; use Quantize int8")


@register
class QuantizeFloat16(NodeType):
    type_id = "quantize.float16"
    role = Role.PASS_THROUGH
    optimization_step = "float16"
    title = "Quantize float16"
    doc = ("float16 weights expanded to float32 at run time, float32 activations (half the flash of "
           "float32, four times the RAM of int8; needs a core with an FPU). Optimize makes the model; "
           "no calibration data needed.")
    inputs = [_IN]
    outputs = [_OUT]
    params = []

    def infer(self, inputs, p, ctx):
        out = _pass_through(inputs)
        if ctx.board is not None and not ctx.board.fpu:
            raise NodeError(FLOAT16_NEEDS_FPU.format(board=ctx.board.id), port="scores")
        return out

    def cost(self, inputs, outputs, p, ctx):
        return Cost()  # the model node upstream charges the model Optimize made (the compiler's plan)

    def convert(self, model_path: Path, p: Mapping[str, Any]) -> bytes:
        tf, conv, _ = _converter(model_path)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
        return bytes(conv.convert())


@register
class QuantizeDynamicRange(NodeType):
    """Retired: kept registered (not in the palette) so projects using it open and say why."""

    type_id = "quantize.dynamic_range"
    role = Role.PASS_THROUGH
    retired = True  # the palette leaves it out
    title = "Quantize dynamic range (removed)"
    doc = RETIRED_DYNAMIC_RANGE
    inputs = [_IN]
    outputs = [_OUT]
    params = []

    def infer(self, inputs, p, ctx):
        _pass_through(inputs)
        raise NodeError(RETIRED_DYNAMIC_RANGE, port="scores")
