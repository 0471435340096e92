"""The int16x8 op table: ops whose activations are int16 (TFLite's 16x8 quantization mode).

``tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8`` gives int16
activations with zero point 0, int8 symmetric (per-channel) weights and int64 biases. An op is
int16 when any of its activation tensors is int16; it then takes its ``OpSpec`` from ``S16_OPS``
(its own kernel in codegen/runtime/nn/tms_*_s16.c and emitter in ``emit_int16``) instead of the
int8 table. Descriptions, MAC counts and the int8 kernel limits (4-D, grouped conv, ...) are
shared with ``opset``; well-formedness checks are ``validate``'s plus the int16 bounds here.
"""
from __future__ import annotations

import math

from . import opset as O
from . import quant as Q
from . import validate as V
from .ir import Graph, Op
from .opset import OpSpec

S16_COMMON_KERNEL = ("tms_s16_common", 36)
MAX_WINDOW = 1 << 16  # int32 sums of int16 values (pools, MEAN, softmax's exps) cannot overflow


def is_int16(op: Op, graph: Graph) -> bool:
    """Whether ``op`` reads or writes an int16 activation (so runs an int16x8 kernel)."""
    t = graph.tensors
    return any(i >= 0 and not t[i].is_const and t[i].dtype == "int16"
               for i in (*op.inputs, *op.outputs))


# --- well-formedness beyond validate's shared checks -----------------------------------------
def _validate_pool(op: Op, graph: Graph) -> str | None:
    why = V.check_spatial(op, graph)
    if why is None and int(op.options.get("filter_h", 1)) * int(op.options.get("filter_w", 1)) >= MAX_WINDOW:
        return f"a {op.options.get('filter_h')}x{op.options.get('filter_w')} window of int16 values could overflow the int32 sum"
    return why


def _validate_mean(op: Op, graph: Graph) -> str | None:
    why = V.check_mean(op, graph)
    if why or not graph.tensors[op.inputs[1]].is_const:
        return why
    inp = graph.tensors[op.inputs[0]]
    rank = len(inp.shape)
    axes = {int(a) % rank for a in graph.tensors[op.inputs[1]].data.reshape(-1)} if rank else set()
    count = math.prod(int(inp.shape[a]) for a in axes)
    if count >= MAX_WINDOW:
        return f"a {op.name} over {count} int16 values could overflow the int32 sum"
    return None


def _validate_softmax(op: Op, graph: Graph) -> str | None:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.elements != out.elements or not inp.shape:
        return f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}"
    beta = float(op.options.get("beta", 1.0))
    if not (math.isfinite(beta) and 0 < beta <= 1e6):
        return f"option beta {beta!r} must be a finite positive number"
    if int(inp.shape[-1]) >= MAX_WINDOW:
        return f"a softmax over {inp.shape[-1]} values could overflow the int32 sum of exps"
    if inp.quant is not None:
        from .quant_s16 import softmax_params

        _, shift = softmax_params(beta, inp.quant.scale)
        if not -31 <= shift <= 30:
            return f"input scale {inp.quant.scale!r} with beta {beta!r} is out of the kernel's range"
    return None


def _validate_sigmoid(op: Op, graph: Graph) -> str | None:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.elements != out.elements:
        return f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}"
    if inp.quant is not None:
        from .quant_s16 import sigmoid_params

        multiplier, shift = sigmoid_params(inp.quant.scale, op.name == "TANH")
        if not (0 <= multiplier <= 32767 and 0 <= shift <= 31):
            return f"input scale {inp.quant.scale!r} is out of the kernel's fixed-point range"
    return None


# --- kernel limits beyond the common int16 rules ---------------------------------------------
def _check_sigmoid(op: Op, graph: Graph) -> str | None:
    from .quant_s16 import checked_log2

    log2, pot = checked_log2(graph.tensors[op.outputs[0]].quant.scale)
    if not pot or log2 != -15:
        return f"int16 {op.name} needs output scale 2^-15 (zero point 0)"
    return None


def _check_softmax(op: Op, graph: Graph) -> str | None:
    out = graph.tensors[op.outputs[0]].quant
    if abs(out.scale - 1.0 / 32768) > 0.001 / 32768:
        return "int16 SOFTMAX needs output scale 1/32768 (zero point 0)"
    return None


def _check_quantize(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    pair = (t[op.inputs[0]].dtype, t[op.outputs[0]].dtype)
    if pair not in (("int16", "int16"), ("int16", "int8"), ("int8", "int16")):
        return f"QUANTIZE from {pair[0]} to {pair[1]} is not supported"
    return None


def _s16(name, kernel, code_bytes, emitter, **kw) -> OpSpec:
    base = O.OPS[name]
    return OpSpec(name, kernel, code_bytes, emitter, base.describe, base.macs,
                  check=kw.pop("check", base.check), validate=kw.pop("validate", base.validate),
                  arity=base.arity, outputs=base.outputs, **kw)


# Code bytes: arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mthumb -Os, measured per kernel file (plain C,
# no DSP-extension path: the same on Cortex-M0+).
_SPECS = (
    _s16("CONV_2D", "tms_conv_s16", 952, "op_conv_2d_s16"),
    _s16("DEPTHWISE_CONV_2D", "tms_conv_s16", 952, "op_depthwise_conv_2d_s16"),
    _s16("FULLY_CONNECTED", "tms_fully_connected_s16", 304, "op_fully_connected_s16"),
    _s16("ADD", "tms_add_s16", 368, "op_binary_s16"),
    _s16("SUB", "tms_add_s16", 368, "op_binary_s16"),
    _s16("MUL", "tms_add_s16", 368, "op_binary_s16"),
    _s16("MAXIMUM", "tms_add_s16", 368, "op_binary_s16"),
    _s16("MINIMUM", "tms_add_s16", 368, "op_binary_s16"),
    _s16("RELU", "tms_requantize_s16", 368, "op_relu_s16", validate=V.check_same_shape),
    _s16("RELU6", "tms_requantize_s16", 368, "op_relu_s16", validate=V.check_same_shape),
    _s16("LEAKY_RELU", "tms_requantize_s16", 368, "op_leaky_relu_s16"),
    _s16("AVERAGE_POOL_2D", "tms_pool_s16", 368, "op_pool_s16", validate=_validate_pool),
    _s16("MAX_POOL_2D", "tms_pool_s16", 368, "op_pool_s16", validate=_validate_pool),
    _s16("MEAN", "tms_mean_s16", 500, "op_mean_s16", validate=_validate_mean),
    _s16("SUM", "tms_mean_s16", 500, "op_mean_s16", validate=_validate_mean),
    _s16("REDUCE_MAX", "tms_mean_s16", 500, "op_mean_s16", validate=_validate_mean),
    _s16("REDUCE_MIN", "tms_mean_s16", 500, "op_mean_s16", validate=_validate_mean),
    _s16("SOFTMAX", "tms_softmax_s16", 468, "op_softmax_s16", check=_check_softmax,
         validate=_validate_softmax),
    _s16("QUANTIZE", "tms_requantize_s16", 368, "op_quantize_s16", check=_check_quantize),
    _s16("LOGISTIC", "tms_sigmoid_s16", 284, "op_sigmoid_s16", check=_check_sigmoid,
         validate=_validate_sigmoid),
    _s16("TANH", "tms_sigmoid_s16", 284, "op_sigmoid_s16", check=_check_sigmoid,
         validate=_validate_sigmoid),
    *(_s16(name, "tms_remap_s16", 242, "op_remap_s16")
      for name in ("STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "UNPACK", "GATHER",
                   "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "RESIZE_NEAREST_NEIGHBOR", "TRANSPOSE")),
    _s16("CONCATENATION", "tms_remap_s16", 242, "op_concatenation_s16"),
    _s16("PAD", "tms_remap_s16", 242, "op_pad_s16"),
    O.OPS["RESHAPE"], O.OPS["SQUEEZE"], O.OPS["EXPAND_DIMS"],
)
S16_OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}


def check_op_s16(op: Op, graph: Graph) -> str | None:
    """Why the int16x8 kernels cannot run ``op``, or None (``opset.check_op`` for int16 ops)."""
    spec = S16_OPS.get(op.name)
    if spec is None:
        return (f"{op.name} with int16 activations (int16x8) is not supported yet; the int16x8 "
                f"ops are {', '.join(sorted(S16_OPS))} (quantize the model to int8 instead)")
    t = graph.tensors
    acts = [i for i in op.inputs if i >= 0 and not t[i].is_const] + list(op.outputs)
    for i in acts:
        allowed = ("int16", "int8") if op.name == "QUANTIZE" else ("int16",)
        if t[i].dtype not in allowed:
            return (f"tensor '{t[i].name}' is {t[i].dtype} in an int16x8 op: every activation "
                    "must be int16 (convert with the 16x8 ops set and a representative dataset)")
        if spec.alias:
            continue
        if t[i].quant is None or t[i].quant.per_channel:
            return f"tensor '{t[i].name}' has no per-tensor {t[i].dtype} quantization"
        if t[i].dtype == "int16" and t[i].quant.zero_point != 0:
            return f"int16 tensor '{t[i].name}' must have zero point 0 (TFLite's 16x8 mode)"
    return O.check_weights_and_activation(op, graph, spec, "int64")


def requant_shift_ok(shift: int) -> bool:
    """MultiplyByQuantizedMultiplier(int64_t, ...) takes shifts -31..7."""
    return -31 <= shift <= 7



def boundary_problem(graph: Graph) -> str | None:
    """The generated API has one element type: an int16 model input or output needs every
    input and output to be int16 (``model_invoke(const int16_t *, int16_t *)``)."""
    types = {graph.tensors[i].dtype for i in (*graph.inputs, *graph.outputs)}
    if "int16" in types and types != {"int16"}:
        return ("the model mixes int16 and other input/output types; an int16x8 model must be "
                "int16 in and out (convert with inference_input_type and inference_output_type "
                "tf.int16, or float, which the compiler strips)")
    return None


def in_place_shift(op: Op, graph: Graph, input_pos: int, element_shift) -> int | None:
    """``inplace.max_output_shift`` in bytes for any element size: the kernels walk elements,
    so the element shift scales by the element size; an op changing the element size (an
    int8 <-> int16 QUANTIZE) never runs in place."""
    t = graph.tensors
    size = t[op.outputs[0]].itemsize
    if t[op.inputs[input_pos]].itemsize != size:
        return None
    shift = element_shift(op, graph, input_pos)
    return None if shift is None else shift * size


def table_bytes(ops, graph: Graph) -> int:
    """Flash of the tables the int16 kernels read, emitted once per model: SOFTMAX's exp and
    1/(1+x) tables (2 x 513 int16) and LOGISTIC/TANH's sigmoid table (256 uint16)."""
    names = {op.name for op in ops if is_int16(op, graph)}
    return (2 * 513 * 2 if "SOFTMAX" in names else 0) + (256 * 2 if names & {"LOGISTIC", "TANH"} else 0)
