"""Model node types: an int8 ``.tflite`` the device runs, and a float Keras model to be quantized.

Both take the features as one f32 tensor whose element count equals the model input's (the
firmware quantizes it with the model's input scale and zero point) and give ``scores``, the
dequantized f32 output ``(classes,)``. Reading a model is expensive, so summaries are cached per
file content (sha256) in the node context. TensorFlow is imported only inside functions.
"""
from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from nodes.base import (Mode, Role, RunState, Cost, NodeContext, NodeError, NodeType, Param, Port, TensorSpec, register, require_dtype,
                        single_input)
from nodes.datafiles import parse_bounded_json, read_keras_config
from nodes.sensors import content_sha256  # one content hash per file, shared with recordings

# Estimated C code size (bytes) of the int8 kernels a Keras model's layers will need once quantized;
# a .tflite's flash estimate comes from the model compiler instead.
KERAS_INT8_CODE_BYTES = 6000
# Bytes of one weight and one bias once quantized to int8 (biases stay int32).
INT8_WEIGHT_BYTES = 1
INT32_BIAS_BYTES = 4

_IN = Port("in", ("f32",), "features; element count must equal the model input's")
_SCORES = Port("scores", ("f32",), "dequantized model output (classes,)")
_LABELS = Param("labels", list, [], kind="labels",
                doc="one name per output class, in output order; empty = class0, class1, …")


def default_labels(n: int) -> list[str]:
    return [f"class{i}" for i in range(n)]


def _model_path(p: Mapping[str, Any], ctx: NodeContext, suffixes: tuple[str, ...]) -> Path:
    rel = p.get("model", "")
    if not rel:
        raise NodeError(f"choose a model file ({', '.join(suffixes)}) inside the project folder")
    path = ctx.resolve_asset(rel)
    if path.suffix.lower() not in suffixes:
        raise NodeError(f"model '{rel}' is a '{path.suffix}' file; this node reads {', '.join(suffixes)}")
    return path


def _check_features(spec: TensorSpec, model_shape: tuple[int, ...], model_desc: str) -> None:
    require_dtype(spec, ("f32",))
    need = math.prod(model_shape) if model_shape else 1
    if spec.elements != need:
        raise NodeError(f"the features are {spec.describe()} ({spec.elements} values) but the model "
                        f"input {model_desc} is {'×'.join(str(d) for d in model_shape)} ({need} values)",
                        port="in")


def _check_labels(p: Mapping[str, Any], n_outputs: int) -> None:
    labels = p["labels"]
    if labels and len(labels) != n_outputs:
        raise NodeError(f"{len(labels)} labels given but the model has {n_outputs} outputs; "
                        f"give exactly {n_outputs} (or none for class0…)", port="scores")
    if len(set(labels)) != len(labels):
        raise NodeError("labels must be distinct")


def device_model_file(type_id: str, props: Mapping[str, Any]) -> str:
    """The int8 .tflite (project-relative) a model node runs on the device: a .tflite node's own
    file, a float Keras or PyTorch/ONNX node's ``int8_model`` made by Optimize; '' while there is none."""
    if type_id == "model.tflite":
        return props.get("model", "")
    if type_id in ("model.keras", "model.torch"):
        return props.get("int8_model", "")
    return ""


# ---- .tflite ----------------------------------------------------------------------------------

FPU_NEEDED = ("a float32 model needs a core with an FPU and {board} has none: software floating "
              "point would run every multiply-accumulate as a library call (tens of times slower "
              "than int8) and add its routines to flash; quantize the model to int8 (a Quantize int8 "
              "node, or TFLite's full-integer post-training quantization)")


def _check_fpu(ctx: NodeContext) -> None:
    """Float models are refused on cores without an FPU (see FPU_NEEDED for why)."""
    if ctx.board is not None and not ctx.board.fpu:
        raise NodeError(FPU_NEEDED.format(board=ctx.board.id), port="scores")


@register
class TfliteModel(NodeType):
    type_id = "model.tflite"
    role = Role.MODEL
    title = "TFLite model (int8)"
    doc = ("A full-integer int8 .tflite model, compiled to C for the device, or a float32 one (also "
           "with float16 weights) on a core with an FPU. Input: features whose element count equals "
           "the model input; output: the (dequantized) scores.")
    inputs = [_IN]
    outputs = [_SCORES]
    params = [Param("model", str, "", kind="asset", doc=".tflite file inside the project folder"), _LABELS]
    kernel = "model/tflite"

    def device_input_shape(self, p: Mapping[str, Any], ctx: NodeContext) -> tuple[int, ...]:
        """The input shape of the model the device runs (with its batch dimension, if any)."""
        return tuple(self.summary(p, ctx).inputs[0].shape)

    def summary(self, p: Mapping[str, Any], ctx: NodeContext):
        """The model compiler's ``ModelSummary`` of the chosen file, cached by content."""
        path = _model_path(p, ctx, (".tflite",))

        def analyze():
            from codegen.model import analysis  # the model compiler is a leaf library (agreed layering)
            from codegen.model.errors import ModelError

            try:
                return analysis.analyze_tflite(path)
            except ModelError as e:
                raise NodeError(f"model '{p['model']}': {e.message}") from None

        return ctx.cached(("tflite", content_sha256(path, ctx)), analyze)

    def _io(self, p, ctx):
        s = self.summary(p, ctx)
        if len(s.inputs) != 1 or len(s.outputs) != 1:
            raise NodeError(f"the model has {len(s.inputs)} inputs and {len(s.outputs)} outputs; "
                            "a pipeline model needs exactly one of each")
        inp, out = s.inputs[0], s.outputs[0]
        if s.float_model:
            _check_fpu(ctx)
        for t, what in ((inp, "input"), (out, "output")):
            if not s.float_model and (t.dtype not in ("int8", "int16") or t.dtype != inp.dtype):
                raise NodeError(f"the model {what} '{t.name}' is {t.dtype}; the device runs full-integer "
                                "int8 models (convert with a quantize.int8 node or TFLite's "
                                "post-training integer quantization)")
        if s.unsupported:
            listed = s.unsupported_text
            raise NodeError(f"the device code generator cannot run {len(s.unsupported)} operator(s) of "
                            f"this model: {listed}")
        return s, inp, out

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        if not p.get("model"):  # an empty model slot (a template's): training fills it
            require_dtype(spec, ("f32",))
            _check_labels(p, len(p["labels"]) or 2)
            return {"scores": TensorSpec((len(p["labels"]) or 2,), "f32", spec.rate_hz)}
        s, inp, out = self._io(p, ctx)
        _check_features(spec, tuple(inp.shape), f"'{inp.name}'")
        n = math.prod(out.shape) if out.shape else 1
        _check_labels(p, n)
        return {"scores": TensorSpec((n,), "f32", spec.rate_hz)}

    def warnings(self, p, ctx):
        if p.get("model"):
            return []
        return ["no model yet: import a dataset and train one (Run → Train…, or `tinyml-studio import` then "
                "`tinyml-studio train PROJECT --use`); RAM, flash and latency leave the model out until then"]

    def cost(self, inputs, outputs, p, ctx):
        if not p.get("model"):
            return Cost()
        s, inp, out = self._io(p, ctx)
        n_in = math.prod(inp.shape) if inp.shape else 1
        n_out = math.prod(out.shape) if out.shape else 1
        # int8 input handed to model_invoke, int8 output it fills, f32 dequantized scores (int16
        # input and output for an int16x8 model: 2 bytes a value); a float model reads the features
        # and writes the scores in place (no copies)
        io_bytes = 2 if inp.dtype == "int16" else 1
        buffers = outputs["scores"].bytes + (0 if s.float_model else io_bytes * (n_in + n_out))
        # the kernels' SMLAD path is compiled only for Arm cores with the DSP extension
        arm_dsp = ctx.board is None or (ctx.board.dsp and ctx.board.cpu.startswith("cortex-m"))
        flash = s.flash_bytes if arm_dsp else s.flash_bytes_without_dsp
        detail = {"arena_bytes": s.arena_bytes, "io_bytes": buffers, "macs": s.macs, "fc_macs": s.fc_macs}
        if s.float_model:  # what validation quotes when the float model does not fit
            detail.update(float_model=1, float16_weights=int(s.float16_weights),
                          int8_ram_saving_bytes=s.arena_bytes - s.int8_arena_bytes - n_in - n_out,
                          int8_flash_saving_bytes=max(0, flash - s.int8_flash_bytes))
        return Cost(ram_bytes=s.arena_bytes + buffers, flash_bytes=flash, ops=2 * s.macs, detail=detail)

    def labels(self, p, ctx):
        if p.get("labels"):
            return list(p["labels"])
        try:
            _, _, out = self._io(p, ctx)
        except NodeError:
            return None
        return default_labels(math.prod(out.shape) if out.shape else 1)


# ---- Keras -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerInfo:
    name: str
    kind: str          # the Keras class name
    params: int
    macs: int
    output_shape: tuple[int, ...]  # without the batch dimension


@dataclass(frozen=True)
class KerasSummary:
    input_shape: tuple[int, ...]   # without the batch dimension
    output_shape: tuple[int, ...]
    layers: tuple[LayerInfo, ...]
    params: int
    macs: int
    weight_count: int              # kernel/depthwise weights (int8 once quantized)
    bias_count: int                # biases (int32 once quantized)
    activation_pair_bytes: int     # largest int8 input + output of one layer: the arena floor


def _config_has_lambda(config: Any) -> bool:
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            return True
        return any(_config_has_lambda(v) for v in config.values())
    if isinstance(config, list):
        return any(_config_has_lambda(v) for v in config)
    return False


def _read_config(path: Path) -> Any:
    """The saved model's architecture as JSON, read without running anything from the file."""
    try:
        if path.suffix.lower() == ".keras":
            return read_keras_config(path)   # bounded: size and nesting depth
        import h5py  # comes with Keras

        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
            if raw is None:
                raise NodeError(f"'{path.name}' holds weights only, not a model; save it with model.save()")
            return parse_bounded_json(raw, path.name)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise NodeError(f"'{path.name}' is not a readable Keras model: {e}") from None


def _shape(t) -> tuple[int, ...]:
    return tuple(int(d) for d in tuple(t.shape)[1:] if d is not None)


def _layer_macs(layer, out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> int:
    kind = type(layer).__name__
    out_elems = math.prod(out_shape) if out_shape else 1
    if kind == "Dense":
        return out_elems * int(in_shape[-1])
    if kind in ("Conv1D", "Conv2D", "Conv3D"):
        kernel = math.prod(layer.kernel_size) * int(in_shape[-1]) // int(getattr(layer, "groups", 1) or 1)
        return out_elems * kernel
    if kind in ("DepthwiseConv1D", "DepthwiseConv2D"):
        return out_elems * math.prod(layer.kernel_size)
    if kind in ("SeparableConv1D", "SeparableConv2D"):
        spatial = out_elems // int(out_shape[-1])
        depthwise = spatial * int(in_shape[-1]) * int(layer.depth_multiplier) * math.prod(layer.kernel_size)
        pointwise = out_elems * int(in_shape[-1]) * int(layer.depth_multiplier)
        return depthwise + pointwise
    return 0


def analyze_keras(path: Path) -> KerasSummary:
    """Loads a float Keras model safely and counts its parameters, MACs and int8 activation needs."""
    config = _read_config(path)
    if _config_has_lambda(config):
        raise NodeError(f"'{path.name}' contains a Lambda layer, which would run arbitrary Python code; "
                        "rebuild the model without Lambda layers (use built-in layers)")
    import keras  # lazy: TensorFlow is slow to import

    try:
        model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as e:  # noqa: BLE001 - Keras raises many types for a bad file; all mean "unreadable"
        raise NodeError(f"'{path.name}' cannot be loaded as a Keras model: {e}") from None
    if any(type(layer).__name__ == "Lambda" for layer in model.layers):
        raise NodeError(f"'{path.name}' contains a Lambda layer; rebuild the model without it")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise NodeError(f"the model has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
                        "a pipeline model needs exactly one of each")
    for t, what in ((model.inputs[0], "input"), (model.outputs[0], "output")):
        if any(d is None for d in tuple(t.shape)[1:]):
            raise NodeError(f"the model {what} shape {tuple(t.shape)} has an unknown dimension besides "
                            "the batch; build the model with a fixed input shape (keras.Input(shape=...))")
    layers, pair, weights, biases = [], 0, 0, 0
    for layer in model.layers:
        ins = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        in_shapes = [_shape(t) for t in ins]
        out_shape = _shape(layer.output)
        macs = _layer_macs(layer, out_shape, in_shapes[0]) if in_shapes else 0
        params = int(layer.count_params())
        layers.append(LayerInfo(layer.name, type(layer).__name__, params, macs, out_shape))
        in_bytes = sum(math.prod(s) if s else 1 for s in in_shapes)
        pair = max(pair, in_bytes + (math.prod(out_shape) if out_shape else 1))
        for w in layer.weights:
            n = math.prod(int(d) for d in w.shape)
            role = w.path.rsplit("/", 1)[-1]
            if role == "bias":
                biases += n
            elif "kernel" in role or role == "embeddings":
                weights += n
            # other variables (batch-norm statistics) are folded into neighbours by the converter
    return KerasSummary(input_shape=_shape(model.inputs[0]), output_shape=_shape(model.outputs[0]),
                        layers=tuple(layers), params=int(model.count_params()),
                        macs=sum(layer.macs for layer in layers), weight_count=weights,
                        bias_count=biases, activation_pair_bytes=pair)


@register
class KerasModel(NodeType):
    type_id = "model.keras"
    role = Role.MODEL
    title = "Keras model (float)"
    doc = ("A float Keras 3 model (.keras or .h5), loaded in safe mode (Lambda layers refused). The "
           "device runs what Optimize makes from it: put a quantize.int8 node after it (or quantize.float16 "
           "on a core with an FPU); the cost shown is the int8 estimate until Optimize has run.")
    inputs = [_IN]
    outputs = [_SCORES]
    params = [Param("model", str, "", kind="asset", doc=".keras or .h5 file inside the project folder"),
              _LABELS,
              Param("int8_model", str, "", kind="asset",
                    doc="the int8 .tflite the device runs, made from this float model by Optimize "
                        "(the pruning and quantization nodes after it); empty until Optimize has run"),
              Param("int8_recipe", str, "", kind="record",
                    doc="fingerprint of the float model and optimization settings int8_model was made "
                        "from (written by Optimize; a mismatch means the int8 model is out of date)")]
    kernel = "model/tflite"  # runs on the device only after conversion to int8 .tflite

    def device_input_shape(self, p: Mapping[str, Any], ctx: NodeContext) -> tuple[int, ...]:
        """The int8 model's input shape when Optimize made one, else the float model's (batch dropped)."""
        device = self.int8(p, ctx)
        return tuple(device[1].shape) if device is not None else tuple(self.summary(p, ctx).input_shape)

    def summary(self, p: Mapping[str, Any], ctx: NodeContext) -> KerasSummary:
        path = _model_path(p, ctx, (".keras", ".h5"))
        return ctx.cached(("keras", content_sha256(path, ctx)), lambda: analyze_keras(path))

    def float_sha256(self, p: Mapping[str, Any], ctx: NodeContext) -> str:
        """Content hash of the float model file (part of the optimization recipe's fingerprint)."""
        return content_sha256(_model_path(p, ctx, (".keras", ".h5")), ctx)

    def int8(self, p: Mapping[str, Any], ctx: NodeContext):
        """(summary, input, output) of ``int8_model`` through the model compiler, or None while
        Optimize has not made one: the device model, so its plan is what the budgets charge."""
        if not p.get("int8_model"):
            return None
        try:
            return TfliteModel()._io({"model": p["int8_model"]}, ctx)
        except NodeError as e:
            raise NodeError(f"int8_model: {e.message}") from None

    def refuse_lambda(self, p: Mapping[str, Any], ctx: NodeContext) -> None:
        """Reads the float model's architecture (JSON, no TensorFlow) and refuses Lambda layers."""
        path = _model_path(p, ctx, (".keras", ".h5"))

        def check() -> bool:
            if _config_has_lambda(_read_config(path)):
                raise NodeError(f"'{path.name}' contains a Lambda layer, which would run arbitrary Python "
                                "code; rebuild the model without Lambda layers (use built-in layers)")
            return True

        ctx.cached(("keras-config", content_sha256(path, ctx)), check)

    def _outputs(self, spec: TensorSpec, p, ctx) -> int:
        """Output element count. With an int8 model the shapes come from it (the model compiler, no
        TensorFlow: the stale-recipe warning covers a float model changed since); without, from
        loading the float model."""
        device = self.int8(p, ctx)
        if device is not None:
            self.refuse_lambda(p, ctx)
            _, inp, out = device
            _check_features(spec, tuple(inp.shape), f"of int8_model '{p['int8_model']}'")
            return math.prod(out.shape) if out.shape else 1
        s = self.summary(p, ctx)
        _check_features(spec, s.input_shape, "")
        return math.prod(s.output_shape) if s.output_shape else 1

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        n = self._outputs(spec, p, ctx)
        _check_labels(p, n)
        return {"scores": TensorSpec((n,), "f32", spec.rate_hz)}

    def warnings(self, p, ctx):
        if p.get("int8_model"):
            return []
        return ["RAM/flash/latency here are an estimate of this float model once quantized to int8; run "
                "Optimize (Run → Optimize model…, or `tinyml-studio optimize`) to make the model the device "
                "runs (int8, or float16 after a Quantize float16 node) and see its exact figures"]

    def cost(self, inputs, outputs, p, ctx):
        device = self.int8(p, ctx)
        if device is not None:  # the optimized int8 model: the compiler's own plan, as for model.tflite
            return TfliteModel().cost(inputs, outputs, {"model": p["int8_model"]}, ctx)
        s = self.summary(p, ctx)
        weights = s.weight_count * INT8_WEIGHT_BYTES + s.bias_count * INT32_BIAS_BYTES
        n_in = math.prod(s.input_shape) if s.input_shape else 1
        buffers = n_in + (math.prod(s.output_shape) if s.output_shape else 1) + outputs["scores"].bytes
        return Cost(ram_bytes=s.activation_pair_bytes + buffers,
                    flash_bytes=weights + KERAS_INT8_CODE_BYTES, ops=2 * s.macs,
                    detail={"arena_estimate_bytes": s.activation_pair_bytes, "io_bytes": buffers,
                            "weight_bytes": weights, "code_bytes": KERAS_INT8_CODE_BYTES, "macs": s.macs,
                            "fc_macs": sum(layer.macs for layer in s.layers if layer.kind == "Dense")})

    def labels(self, p, ctx):
        if p.get("labels"):
            return list(p["labels"])
        try:
            device = self.int8(p, ctx)
            if device is not None:
                shape = tuple(device[2].shape)
            else:
                shape = self.summary(p, ctx).output_shape
        except NodeError:
            return None
        return default_labels(math.prod(shape) if shape else 1)
