"""The op table: one ``OpSpec`` per TFLite op the compiler runs, and everything about it.

An ``OpSpec`` names the op's constraints (what the kernel supports: ``check``; what a
well-formed op must satisfy: ``validate`` in ``validate.py``), its one-line description, its
MAC count, the ``CEmitter`` method that writes its call, its kernel (the C pair in
codegen/runtime/nn/) and that kernel's measured code size. Adding an op means one ``OpSpec`` in
``OPS``, one emitter method on ``emit.CEmitter`` and one C pair; a test checks every spec's
emitter and kernel exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .ir import Graph, Op
from . import validate as V

COMMON_KERNEL = ("tms_common", 536)  # gemmlowp exp/reciprocal helpers (softmax, logistic, tanh)
PER_OP_CALL_BYTES = 108  # model.c call + parameter struct + multiplier arrays' headers, per op
_WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")

Check = Callable[[Op, Graph], "str | None"]


@dataclass(frozen=True)
class OpSpec:
    """Everything the compiler knows about one TFLite op."""

    name: str
    kernel: str | None            # stem in codegen/runtime/nn (None: an alias, no code)
    code_bytes: int               # Cortex-M4 -Os, arm-none-eabi-gcc 12, with the SMLAD path
    emitter: str | None           # the CEmitter method writing its call (None: an alias)
    describe: Callable[[Op, Graph], str]
    macs: Callable[[Op, Graph], int]
    check: Check | None = None    # kernel limits beyond the common int8 rules
    validate: Check | None = None  # well-formedness (validate.py), before any C is written
    arity: tuple[int, int] = (1, 1)
    outputs: tuple[int, int] = (1, 1)  # how many outputs the op may have
    plain_code_bytes: int | None = None  # built without the DSP extension (Cortex-M0+)
    uses_common: bool = False     # needs tms_common's gemmlowp helpers
    alias: bool = False           # output shares the input's bytes


# --- descriptions -----------------------------------------------------------------------------
def _act(op: Op) -> str:
    a = op.options.get("activation", "NONE")
    return "" if a == "NONE" else f" {a.lower()}"


def _shape_text(shape) -> str:
    dims = [d for d in shape]
    if len(dims) > 1 and dims[0] == 1:
        dims = dims[1:]
    return "x".join(str(d) for d in dims) or "scalar"


def _out_text(op: Op, graph: Graph) -> str:
    return _shape_text(graph.tensors[op.outputs[0]].shape) if op.outputs else "?"


def _describe_plain(op: Op, graph: Graph) -> str:
    return f"{op.name}{_act(op)} -> {_out_text(op, graph)}"


def _describe_conv(op: Op, graph: Graph) -> str:
    o = op.options
    w = graph.tensors[op.inputs[1]].shape
    ch = w[0] if op.name == "CONV_2D" else w[3]
    dil = "" if o.get("dilation_h", 1) == o.get("dilation_w", 1) == 1 else \
        f" d{o.get('dilation_h', 1)}x{o.get('dilation_w', 1)}"
    stride = (f"s{o.get('stride_h', 1)}" if o.get("stride_h", 1) == o.get("stride_w", 1)
              else f"s{o.get('stride_h', 1)}x{o.get('stride_w', 1)}")
    return f"{op.name} {w[1]}x{w[2]} {stride}{dil} {ch}ch{_act(op)} -> {_out_text(op, graph)}"


def _describe_pool(op: Op, graph: Graph) -> str:
    o = op.options
    return (f"{op.name} {o.get('filter_h')}x{o.get('filter_w')} s{o.get('stride_h')}"
            f"{_act(op)} -> {_out_text(op, graph)}")


def _describe_fc(op: Op, graph: Graph) -> str:
    w = graph.tensors[op.inputs[1]].shape
    return f"FULLY_CONNECTED {w[1]} -> {w[0]}{_act(op)}"


# --- MACs (element operations for non-MAC ops) ------------------------------------------------
def _out_elements(op: Op, graph: Graph) -> int:
    return graph.tensors[op.outputs[0]].elements if op.outputs else 0


def _macs_conv(op: Op, graph: Graph) -> int:
    w = graph.tensors[op.inputs[1]].shape
    return _out_elements(op, graph) * w[1] * w[2] * w[3]


def _macs_depthwise(op: Op, graph: Graph) -> int:
    w = graph.tensors[op.inputs[1]].shape
    return _out_elements(op, graph) * w[1] * w[2]


def _macs_fc(op: Op, graph: Graph) -> int:
    w = graph.tensors[op.inputs[1]].shape
    return (_out_elements(op, graph) // max(w[0], 1)) * w[0] * w[1]


def _macs_pool(op: Op, graph: Graph) -> int:
    o = op.options
    return _out_elements(op, graph) * int(o.get("filter_h", 1)) * int(o.get("filter_w", 1))


def _macs_mean(op: Op, graph: Graph) -> int:
    return graph.tensors[op.inputs[0]].elements


def _no_macs(op: Op, graph: Graph) -> int:
    return 0


# --- kernel limits ----------------------------------------------------------------------------
def _needs_4d(op: Op, graph: Graph) -> str | None:
    if len(graph.tensors[op.inputs[0]].shape) != 4:
        return f"{op.name} needs a 4-D NHWC input"
    return None


def _check_conv(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    why = _needs_4d(op, graph)
    if why is None and t[op.inputs[1]].shape[3] != t[op.inputs[0]].shape[3]:
        return "grouped CONV_2D is not supported"
    return why


def _check_fc(op: Op, graph: Graph) -> str | None:
    if op.options.get("weights_format", 0) != 0:
        return "FULLY_CONNECTED with shuffled weights is not supported"
    return None


def _check_concat(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    out_q = t[op.outputs[0]].quant
    if any(t[i].quant != out_q for i in op.inputs):
        return "CONCATENATION inputs must share the output's scale and zero point"
    return None


def _check_broadcast(op: Op, graph: Graph) -> str | None:
    if any(len(graph.tensors[i].shape) > 4 for i in op.inputs):
        return f"{op.name} supports at most 4-D tensors"
    return None


def _check_zp_minus_128(op: Op, graph: Graph) -> str | None:
    if graph.tensors[op.outputs[0]].quant.zero_point != -128:
        return f"int8 {op.name} needs output zero point -128"
    return None


def _check_reduce(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    if not t[op.inputs[1]].is_const:
        return f"{op.name} needs constant axes"
    if not 1 <= len(t[op.inputs[0]].shape) <= 4:
        return f"{op.name} supports inputs of 1 to 4 dims"
    if op.name in ("REDUCE_MAX", "REDUCE_MIN") and t[op.inputs[0]].quant != t[op.outputs[0]].quant:
        return f"int8 {op.name} needs the output to share the input's scale and zero point"
    return None


def _check_same_quant(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    why = _check_broadcast(op, graph)
    if why is None and any(t[i].quant != t[op.outputs[0]].quant for i in op.inputs[:2]):
        return f"int8 {op.name} needs both inputs to share the output's scale and zero point"
    return why


def _check_pad(op: Op, graph: Graph) -> str | None:
    if not graph.tensors[op.inputs[1]].is_const:
        return "PAD needs constant paddings"
    return _needs_4d(op, graph)


def _check_transpose(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    if not t[op.inputs[1]].is_const or len(t[op.inputs[0]].shape) > 4:
        return "TRANSPOSE needs a constant permutation of at most 4 dims"
    return None


def _check_remap_quant(op: Op, graph: Graph) -> str | None:
    from .remap import data_input

    t = graph.tensors
    q = t[data_input(op)].quant
    if any(t[o].quant != q for o in op.outputs):
        return f"int8 {op.name} needs its outputs to share the input's scale and zero point"
    return None


def _check_shared_quant(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    out_q = t[op.outputs[0]].quant
    if any(t[i].quant != out_q for i in op.inputs):
        return f"int8 {op.name} inputs must share the output's scale and zero point"
    return None


def _check_operands_int8(op: Op, graph: Graph) -> str | None:
    why = _check_broadcast(op, graph) if op.name != "BATCH_MATMUL" else None
    for i in op.inputs[:2]:
        t = graph.tensors[i]
        if t.dtype != "int8" or t.quant is None or t.quant.per_channel:
            return f"int8 {op.name} needs per-tensor int8 operands ('{t.name}' is not)"
    return why


def _macs_matmul(op: Op, graph: Graph) -> int:
    t = graph.tensors
    a = t[op.inputs[0]].shape
    depth = a[-2] if op.options.get("adj_x") else a[-1]
    return _out_elements(op, graph) * int(depth)


def _check_same_quant_4d(op: Op, graph: Graph) -> str | None:
    t = graph.tensors
    if t[op.inputs[0]].quant != t[op.outputs[0]].quant:
        return f"int8 {op.name} needs the output to share the input's scale and zero point"
    return _needs_4d(op, graph)


def _check_via_float(op: Op, graph: Graph) -> str | None:
    if not op.options.get("via_float"):
        return f"int8 {op.name} is supported only as DEQUANTIZE -> {op.name} -> QUANTIZE"
    return None


def _describe_transpose_conv(op: Op, graph: Graph) -> str:
    w = graph.tensors[op.inputs[1]].shape
    o = op.options
    return (f"TRANSPOSE_CONV {w[1]}x{w[2]} s{o.get('stride_h', 1)} {w[0]}ch{_act(op)} -> "
            f"{_out_text(op, graph)}")


def _macs_transpose_conv(op: Op, graph: Graph) -> int:
    w = graph.tensors[op.inputs[1]].shape
    return graph.tensors[op.inputs[2]].elements * int(w[0]) * int(w[1]) * int(w[2])


def _check_transpose_conv(op: Op, graph: Graph) -> str | None:
    return _weights_bias_problem(graph, op.inputs[1], op.inputs[3] if len(op.inputs) > 3 else -1)


def _weights_bias_problem(graph: Graph, w_ti: int, b_ti: int, bias_dtype: str = "int32") -> str | None:
    """Constant symmetric int8 weights and (if present, ``b_ti`` >= 0) a constant ``bias_dtype`` bias
    (int32; int64 for int16x8)."""
    t = graph.tensors
    w = t[w_ti]
    if not w.is_const or w.dtype != "int8" or w.quant is None:
        return f"weights '{w.name}' must be constant int8 (got {w.dtype})"
    if any(z != 0 for z in w.quant.zero_points):
        return f"weights '{w.name}' must be symmetric (zero point 0)"
    if b_ti >= 0:
        b = t[b_ti]
        if not b.is_const or b.dtype != bias_dtype:
            return f"bias '{b.name}' must be constant {bias_dtype} (got {b.dtype})"
    return None


def _spec(name, kernel, code_bytes, emitter, describe=_describe_plain, macs=_out_elements,
          **kw) -> OpSpec:
    return OpSpec(name, kernel, code_bytes, emitter, describe, macs, **kw)


# Code bytes: arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mthumb -Os; the MAC kernels with their SMLAD
# path, which Cortex-M0+ builds leave out (plain_code_bytes, -mcpu=cortex-m0plus, same flags).
# The MAC kernels' specialised paths (pixel pairs, patches, 3x3 depthwise in assembly) cost
# about 3 KB (conv) and 2.7 KB (depthwise) more than the generic loops they replaced.
_SPECS = (
    _spec("CONV_2D", "tms_conv", 4556, "op_conv_2d", _describe_conv, _macs_conv,
          check=_check_conv, validate=V.check_spatial, arity=(2, 3), plain_code_bytes=3102),
    _spec("DEPTHWISE_CONV_2D", "tms_depthwise_conv", 3626, "op_depthwise_conv_2d", _describe_conv,
          _macs_depthwise, check=_needs_4d, validate=V.check_spatial, arity=(2, 3),
          plain_code_bytes=1264),
    _spec("FULLY_CONNECTED", "tms_fully_connected", 1022, "op_fully_connected", _describe_fc,
          _macs_fc, check=_check_fc, validate=V.check_fully_connected, arity=(2, 3),
          plain_code_bytes=430),
    _spec("AVERAGE_POOL_2D", "tms_pool", 556, "op_average_pool_2d", _describe_pool, _macs_pool,
          check=_needs_4d, validate=V.check_spatial),
    _spec("MAX_POOL_2D", "tms_pool", 556, "op_max_pool_2d", _describe_pool, _macs_pool,
          check=_needs_4d, validate=V.check_spatial),
    _spec("ADD", "tms_add", 796, "op_add", check=_check_broadcast, validate=V.check_binary,
          arity=(2, 2), plain_code_bytes=1020),
    _spec("SUB", "tms_add", 796, "op_add", check=_check_broadcast, validate=V.check_binary,
          arity=(2, 2), plain_code_bytes=1020),
    _spec("MUL", "tms_mul", 306, "op_mul", check=_check_broadcast, validate=V.check_binary,
          arity=(2, 2)),
    _spec("CONCATENATION", "tms_concat", 70, "op_concatenation", check=_check_concat,
          validate=V.check_concat, arity=(1, 64)),
    _spec("SOFTMAX", "tms_softmax", 358, "op_softmax", check=_check_zp_minus_128,
          validate=V.check_same_shape, uses_common=True),
    _spec("LOGISTIC", "tms_logistic", 264, "op_logistic", check=_check_zp_minus_128,
          validate=V.check_same_shape, uses_common=True),
    _spec("TANH", "tms_tanh", 236, "op_tanh", validate=V.check_same_shape, uses_common=True),
    _spec("LEAKY_RELU", "tms_leaky_relu", 178, "op_leaky_relu", validate=V.check_same_shape),
    _spec("MEAN", "tms_mean", 454, "op_mean", macs=_macs_mean, check=_check_reduce,
          validate=V.check_mean, arity=(2, 2)),
    _spec("SUM", "tms_mean", 454, "op_mean", macs=_macs_mean, check=_check_reduce,
          validate=V.check_mean, arity=(2, 2)),
    _spec("REDUCE_MAX", "tms_reduce", 348, "op_reduce_minmax", macs=_macs_mean,
          check=_check_reduce, validate=V.check_mean, arity=(2, 2)),
    _spec("REDUCE_MIN", "tms_reduce", 348, "op_reduce_minmax", macs=_macs_mean,
          check=_check_reduce, validate=V.check_mean, arity=(2, 2)),
    _spec("MAXIMUM", "tms_maximum", 144, "op_maximum", check=_check_same_quant,
          validate=V.check_binary, arity=(2, 2)),
    _spec("MINIMUM", "tms_maximum", 144, "op_maximum", check=_check_same_quant,
          validate=V.check_binary, arity=(2, 2)),
    _spec("HARD_SWISH", "tms_lut", 24, "op_lut", validate=V.check_lut),
    _spec("RELU", "tms_lut", 24, "op_lut", validate=V.check_lut),
    _spec("RELU6", "tms_lut", 24, "op_lut", validate=V.check_lut),
    _spec("RELU_N1_TO_1", "tms_lut", 24, "op_lut", validate=V.check_lut),
    _spec("STRIDED_SLICE", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(3, 4)),
    _spec("SLICE", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(3, 3)),
    _spec("SPLIT", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(2, 2), outputs=(1, 64)),
    _spec("SPLIT_V", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(3, 3), outputs=(1, 64)),
    _spec("UNPACK", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, outputs=(1, 256)),
    _spec("GATHER", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(2, 2)),
    _spec("DEPTH_TO_SPACE", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap),
    _spec("SPACE_TO_DEPTH", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap),
    _spec("RESIZE_NEAREST_NEIGHBOR", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(2, 2)),
    _spec("PAD", "tms_pad", 182, "op_pad", check=_check_pad, validate=V.check_pad, arity=(2, 3)),
    _spec("QUANTIZE", "tms_requantize", 164, "op_quantize", validate=V.check_same_shape),
    _spec("TRANSPOSE", "tms_transpose", 86, "op_transpose", check=_check_transpose,
          validate=V.check_transpose, arity=(2, 2)),
    _spec("RSQRT", "tms_lut", 24, "op_lut", validate=V.check_lut),
    _spec("NEG", "tms_lut", 24, "op_lut", check=_check_via_float, validate=V.check_lut),
    _spec("SQUARED_DIFFERENCE", "tms_squared_difference", 318, "op_squared_difference",
          check=_check_operands_int8, validate=V.check_binary, arity=(2, 2)),
    _spec("BATCH_MATMUL", "tms_batch_matmul", 322, "op_batch_matmul", macs=_macs_matmul,
          check=_check_operands_int8, validate=V.check_batch_matmul, arity=(2, 2)),
    _spec("RESIZE_BILINEAR", "tms_resize_bilinear", 434, "op_resize_bilinear",
          check=_check_same_quant_4d, validate=V.check_resize_bilinear, arity=(2, 2)),
    _spec("TRANSPOSE_CONV", "tms_transpose_conv", 414, "op_transpose_conv",
          _describe_transpose_conv, _macs_transpose_conv, check=_check_transpose_conv,
          validate=V.check_transpose_conv, arity=(3, 4)),
    _spec("TILE", "tms_remap", 232, "op_remap", check=_check_remap_quant,
          validate=V.check_remap, arity=(2, 2)),
    _spec("PACK", "tms_concat", 70, "op_pack", check=_check_shared_quant,
          validate=V.check_pack, arity=(1, 256)),
    _spec("RESHAPE", None, 0, None, macs=_no_macs, validate=V.check_alias, arity=(1, 2),
          alias=True),
    _spec("SQUEEZE", None, 0, None, macs=_no_macs, validate=V.check_alias, alias=True),
    _spec("EXPAND_DIMS", None, 0, None, macs=_no_macs, validate=V.check_alias, arity=(1, 2),
          alias=True),
)
OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}

# views of the table for the planner, the cost model and messages
ALIAS_OPS = frozenset(name for name, spec in OPS.items() if spec.alias)
SUPPORTED_OPS = tuple(sorted(set(OPS) | {"DEQUANTIZE"}))  # DEQUANTIZE only as an output boundary


def check_op(op: Op, graph: Graph) -> str | None:
    """Why the kernels cannot run ``op`` (an unsupported op, type or configuration), or None."""
    if op.name == "DEQUANTIZE":
        return ("DEQUANTIZE inside the model produces float tensors; only a DEQUANTIZE feeding a "
                "model output is supported (it is stripped and the output stays int8)")
    from .opset_s16 import check_op_s16, is_int16

    if is_int16(op, graph):  # TFLite's int16x8 mode: its own table and kernels
        return check_op_s16(op, graph)
    spec = OPS.get(op.name)
    if spec is None:
        return f"{op.name} is not supported by the model compiler"
    t = graph.tensors
    acts = [i for i in op.inputs if i >= 0 and not t[i].is_const] + list(op.outputs)
    for i in acts:
        if t[i].dtype != "int8":
            return (f"activations are {t[i].dtype}: the model must be int8-quantized "
                    "(convert with full-integer post-training quantization and a representative "
                    "dataset)")
        if not spec.alias and (t[i].quant is None or t[i].quant.per_channel):
            return f"tensor '{t[i].name}' has no per-tensor int8 quantization"
    return check_weights_and_activation(op, graph, spec, "int32")


def check_weights_and_activation(op: Op, graph: Graph, spec: OpSpec, bias_dtype: str) -> str | None:
    """The rules every quantized op shares once its activations are checked: constant symmetric
    int8 weights, a constant ``bias_dtype`` bias, a fusable activation, then the spec's limits."""
    t = graph.tensors
    if op.name in _WEIGHTED:
        why = _weights_bias_problem(graph, op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else -1,
                                    bias_dtype)
        if why:
            return why
    if op.options.get("activation", "NONE") not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
        return f"fused activation {op.options.get('activation')} is not supported"
    return spec.check(op, graph) if spec.check else None


def spec_for(op: Op, graph: Graph) -> OpSpec | None:
    """The OpSpec that runs ``op``: the int16x8 table's for an op on int16 activations."""
    from .opset_s16 import S16_OPS, is_int16

    return (S16_OPS if is_int16(op, graph) else OPS).get(op.name)


def describe(op: Op, graph: Graph) -> str:
    """One human-readable line, e.g. 'CONV_2D 3x3 s1 8ch -> 25x5x8'."""
    spec = OPS.get(op.name)
    return spec.describe(op, graph) if spec else _describe_plain(op, graph)


def macs(op: Op, graph: Graph) -> int:
    """Multiply-accumulates (or element operations for non-MAC ops) of one run of ``op``."""
    if not op.outputs:
        return 0
    spec = OPS.get(op.name)
    return spec.macs(op, graph) if spec else _out_elements(op, graph)
