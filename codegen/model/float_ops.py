"""The float32 op table: which ops a float model may use, their kernels and their limits.

A float model (float32 input, float32 activations) runs on cores with an FPU through the kernels
``codegen/runtime/nn/tms_*_f32.c``: no quantization parameters, weights stored as float32, or as
IEEE float16 (TFLite's float16 post-training quantization), which the convolution kernels expand
one weight at a time as they read it: half the flash of float32 and no RAM. TFLite writes those
as a constant float16 tensor and a DEQUANTIZE; ``fold_half_weights`` removes the DEQUANTIZE.
Shape and option rules are the int8 table's own (``OpSpec.validate`` in ``opset.py``); this
module adds what only the float kernels need. Hybrid (dynamic-range) models,
int8 weights with float activations, are refused with a message: see ``HYBRID_MESSAGE``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .ir import Graph, Op

FLOAT_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
_WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
HYBRID_MESSAGE = ("int8 weights with float activations (dynamic-range quantization) are not "
                  "supported on the device: quantize to full-integer int8 (same flash, a quarter "
                  "of the RAM), or keep the model float32")


@dataclass(frozen=True)
class FloatSpec:
    """A float op: its kernel stem (code sizes in FLOAT_KERNEL_BYTES) and the FloatEmitter method."""

    name: str
    kernel: str | None   # stem in codegen/runtime/nn (None: an alias, no code)
    emitter: str | None


_MOVE = ("STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "UNPACK", "GATHER", "DEPTH_TO_SPACE",
         "SPACE_TO_DEPTH", "RESIZE_NEAREST_NEIGHBOR")
_SPECS = (
    FloatSpec("CONV_2D", "tms_conv_f32", "f_conv_2d"),
    FloatSpec("DEPTHWISE_CONV_2D", "tms_conv_f32", "f_depthwise_conv_2d"),
    FloatSpec("FULLY_CONNECTED", "tms_conv_f32", "f_fully_connected"),
    FloatSpec("AVERAGE_POOL_2D", "tms_pool_f32", "f_pool"),
    FloatSpec("MAX_POOL_2D", "tms_pool_f32", "f_pool"),
    *(FloatSpec(n, "tms_binary_f32", "f_binary")
      for n in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM")),
    *(FloatSpec(n, "tms_unary_f32", "f_unary")
      for n in ("RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU")),
    FloatSpec("SOFTMAX", "tms_softmax_f32", "f_softmax"),
    *(FloatSpec(n, "tms_reduce_f32", "f_reduce")
      for n in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN")),
    FloatSpec("CONCATENATION", "tms_move_f32", "f_concatenation"),
    FloatSpec("PAD", "tms_move_f32", "f_pad"),
    FloatSpec("TRANSPOSE", "tms_move_f32", "f_transpose"),
    *(FloatSpec(n, "tms_move_f32", "f_remap") for n in _MOVE),
    *(FloatSpec(n, None, None) for n in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")),
)
FLOAT_OPS: dict[str, FloatSpec] = {s.name: s for s in _SPECS}
FLOAT_ALIAS_OPS = frozenset(n for n, s in FLOAT_OPS.items() if s.kernel is None)

# Measured code bytes per kernel stem: arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mfpu=fpv4-sp-d16
# -mfloat-abi=hard -mthumb -Os, .text of the object (tests/codegen/model/test_float_ops.py
# re-measures them); the two using newlib-nano's libm add what linking it costs (expf ~690 bytes,
# tanhf ~970: counted in both when both are used).
FLOAT_OBJECT_BYTES = {"tms_conv_f32": 2016, "tms_pool_f32": 400, "tms_binary_f32": 240,
                      "tms_unary_f32": 340, "tms_softmax_f32": 168, "tms_reduce_f32": 348,
                      "tms_move_f32": 668}
LIBM_BYTES = {"tms_unary_f32": 690 + 970, "tms_softmax_f32": 690}  # expf (+ tanhf)
FLOAT_KERNEL_BYTES = {k: v + LIBM_BYTES.get(k, 0) for k, v in FLOAT_OBJECT_BYTES.items()}
# tms_conv_f32 holds a float32-weight and a float16-weight entry point per op; the firmware links
# with --gc-sections, so a model using one weight type carries about half of it
FLOAT_KERNEL_BYTES["tms_conv_f32"] = FLOAT_OBJECT_BYTES["tms_conv_f32"] // 2
FLOAT_PER_OP_CALL_BYTES = 64  # model.c call + parameter struct, per op (no multiplier arrays)


def is_float_model(graph: Graph) -> bool:
    """A model whose inputs are float32 after folding (the int8 boundary QUANTIZE is stripped
    there, so a quantized model with float I/O is not float)."""
    return bool(graph.inputs) and all(graph.tensors[i].dtype == "float32" for i in graph.inputs)


def fold_half_weights(ops: list[Op], graph: Graph) -> list[Op]:
    """Removes each DEQUANTIZE of a constant float16 tensor: its output becomes that constant,
    kept float16 when it is only ever the weights operand of CONV_2D / DEPTHWISE_CONV_2D /
    FULLY_CONNECTED (the kernels' _f16w entry points read it), else widened to float32 at compile
    time (a bias or an element-wise operand: exact, and small). Anything else stays and is
    refused by ``check_float_op``."""
    t = graph.tensors
    kept = []
    for op in ops:
        if op.name != "DEQUANTIZE" or len(op.inputs) != 1 or len(op.outputs) != 1 or op.inputs[0] < 0:
            kept.append(op)
            continue
        src, out = t[op.inputs[0]], t[op.outputs[0]]
        if not (src.is_const and src.dtype == "float16" and out.dtype == "float32"
                and src.elements == out.elements and not out.is_const
                and op.outputs[0] not in graph.outputs):
            kept.append(op)
            continue
        readers = [(o, k) for o in ops for k, i in enumerate(o.inputs) if i == op.outputs[0]]
        as_weights = bool(readers) and all(o.name in _WEIGHTED and k == 1 for o, k in readers)
        data = np.asarray(src.data).reshape(out.shape)
        out.data = data.astype(np.float16) if as_weights else data.astype(np.float32)
        out.dtype = "float16" if as_weights else "float32"
    return kept


def check_float_op(op: Op, graph: Graph) -> str | None:
    """Why the float kernels cannot run ``op``, or None."""
    t = graph.tensors
    if op.name == "DEQUANTIZE":  # what fold_half_weights could not remove
        return ("DEQUANTIZE in a float model may only expand constant float16 tensors to float32 "
                f"(got '{t[op.inputs[0]].name}')" if op.inputs else "DEQUANTIZE has no input")
    if op.name not in FLOAT_OPS:
        return f"{op.name} is not supported by the model compiler"
    from .remap import data_input
    skip = set()
    if op.name in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "PAD", "TRANSPOSE"):
        skip = {op.inputs[1]}
    elif op.name in _MOVE:
        skip = {i for i in op.inputs if i != data_input(op)}
    elif op.name in ("RESHAPE", "EXPAND_DIMS"):
        skip = set(op.inputs[1:])
    elif op.name in _WEIGHTED:
        skip = set(op.inputs[1:])
    for i in [i for i in op.inputs if i >= 0 and i not in skip] + list(op.outputs):
        if t[i].dtype != "float32":
            return (f"tensor '{t[i].name}' is {t[i].dtype}: a float model runs float32 "
                    "activations only")
    if op.name in _WEIGHTED:
        why = _check_weights(op, graph)
        if why:
            return why
    if op.options.get("activation", "NONE") not in FLOAT_ACTIVATIONS:
        return f"fused activation {op.options.get('activation')} is not supported"
    if op.name in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"):
        if not t[op.inputs[1]].is_const:
            return f"{op.name} needs constant axes"
        if not 1 <= len(t[op.inputs[0]].shape) <= 4:
            return f"{op.name} supports inputs of 1 to 4 dims"
    if op.name in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM") and any(
            len(t[i].shape) > 4 for i in op.inputs):
        return f"{op.name} supports at most 4-D tensors"
    if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "PAD"):
        if len(t[op.inputs[0]].shape) != 4:
            return f"{op.name} needs a 4-D NHWC input"
    if op.name == "CONV_2D" and (len(t[op.inputs[1]].shape) != 4
                                 or t[op.inputs[1]].shape[3] != t[op.inputs[0]].shape[3]):
        return "grouped CONV_2D is not supported"
    if op.name == "PAD" and not t[op.inputs[1]].is_const:
        return "PAD needs constant paddings"
    if op.name == "TRANSPOSE" and (not t[op.inputs[1]].is_const or len(t[op.inputs[0]].shape) > 4):
        return "TRANSPOSE needs a constant permutation of at most 4 dims"
    if op.name == "CONCATENATION" and op.options.get("activation", "NONE") != "NONE":
        return "CONCATENATION with a fused activation is not supported"
    if op.name == "FULLY_CONNECTED" and op.options.get("weights_format", 0) != 0:
        return "FULLY_CONNECTED with shuffled weights is not supported"
    if op.name == "SOFTMAX":
        beta = float(op.options.get("beta", 1.0))
        if not (math.isfinite(beta) and 0 < beta <= 1e6):
            return f"option beta {beta!r} must be a finite positive number"
    if op.name == "LEAKY_RELU":
        alpha = float(op.options.get("alpha", 0.2))
        if not (math.isfinite(alpha) and abs(alpha) <= 1e6):
            return f"option alpha {alpha!r} must be a finite number"
    return None


def _check_weights(op: Op, graph: Graph) -> str | None:
    """Constant float32 or float16 weights and a constant float32 bias holding one value per
    output channel: the kernels index both by the output channel."""
    t = graph.tensors
    w = t[op.inputs[1]]
    if w.dtype == "int8":
        return HYBRID_MESSAGE
    if w.dtype not in ("float32", "float16") or not w.is_const:
        return f"weights '{w.name}' must be constant float32 or float16 (got {w.dtype})"
    channels = int(w.shape[0] if op.name != "DEPTHWISE_CONV_2D" else w.shape[-1]) if w.shape else 0
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        b = t[op.inputs[2]]
        if b.dtype != "float32" or not b.is_const:
            return f"bias '{b.name}' must be constant float32 (got {b.dtype})"
        if b.elements != channels:
            return f"bias '{b.name}' has {b.elements} values for {channels} output channels"
    return None


def int8_estimate(program) -> tuple[int, int]:
    """(arena bytes, flash bytes) of the same graph full-integer int8-quantized: every activation
    one byte instead of four (the arena plan scaled, as the planner places the same buffers),
    weights one byte, biases int32 plus the per-channel multiplier and shift (8 bytes), and the
    int8 kernels' code. What validation quotes when a float model does not fit."""
    from .opset import COMMON_KERNEL, OPS, PER_OP_CALL_BYTES

    g = program.graph
    t = g.tensors
    arena = -(-program.plan.arena_bytes // 4)
    consts = 0
    seen = set()
    for op in program.ops:
        if op.name in FLOAT_ALIAS_OPS:
            continue
        for pos, i in enumerate(op.inputs):
            if i < 0 or not t[i].is_const or i in seen:
                continue
            seen.add(i)
            consts += t[i].elements * (4 if op.name in _WEIGHTED and pos == 2 else 1)
        if op.name in _WEIGHTED:
            consts += 8 * int(t[op.outputs[0]].shape[-1])
    stems = {OPS[op.name].kernel: OPS[op.name].code_bytes for op in program.ops
             if op.name in OPS and OPS[op.name].kernel}
    calls = sum(1 for op in program.ops if op.name not in FLOAT_ALIAS_OPS)
    code = sum(stems.values()) + COMMON_KERNEL[1] + PER_OP_CALL_BYTES * calls
    return arena, consts + code
