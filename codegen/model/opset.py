"""The op table: which TFLite ops compile, what each needs, costs and is called in reports.

Adding an op means one entry here (kernel file, code-size estimate), one ``check``/``describe``
branch if it has constraints, one emitter in ``emit_ops`` and one C pair in codegen/runtime/nn/.
"""
from __future__ import annotations

from .ir import Graph, Op

ALIAS_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})

# op -> (kernel stem in codegen/runtime/nn, its Cortex-M4 -Os code bytes, measured with
# arm-none-eabi-gcc 12 -mcpu=cortex-m4 -mthumb -Os; the MAC kernels with their SMLAD path, which
# Cortex-M0+ builds leave out: there they are 1104 / 640 / 458 bytes)
KERNELS = {
    "CONV_2D": ("tms_conv", 1496),
    "DEPTHWISE_CONV_2D": ("tms_depthwise_conv", 878),
    "FULLY_CONNECTED": ("tms_fully_connected", 558),
    "AVERAGE_POOL_2D": ("tms_pool", 556),
    "MAX_POOL_2D": ("tms_pool", 556),
    "ADD": ("tms_add", 324),
    "SUB": ("tms_add", 324),
    "MUL": ("tms_mul", 306),
    "CONCATENATION": ("tms_concat", 70),
    "SOFTMAX": ("tms_softmax", 358),
    "LOGISTIC": ("tms_logistic", 264),
    "TANH": ("tms_tanh", 236),
    "LEAKY_RELU": ("tms_leaky_relu", 178),
    "MEAN": ("tms_mean", 454),
    "PAD": ("tms_pad", 182),
    "QUANTIZE": ("tms_requantize", 164),
    "TRANSPOSE": ("tms_transpose", 86),
    "RESHAPE": (None, 0),
    "SQUEEZE": (None, 0),
    "EXPAND_DIMS": (None, 0),
}
COMMON_KERNEL = ("tms_common", 536)  # gemmlowp exp/reciprocal helpers (softmax, logistic, tanh)
USES_COMMON = frozenset({"SOFTMAX", "LOGISTIC", "TANH"})
PER_OP_CALL_BYTES = 108  # model.c call + parameter struct + multiplier arrays' headers, per op
# The MAC kernels built without the DSP extension (Cortex-M0+: the plain C path only), same flags
PLAIN_KERNEL_BYTES = {"tms_conv": 1104, "tms_depthwise_conv": 640, "tms_fully_connected": 458}
SUPPORTED_OPS = tuple(sorted(set(KERNELS) | {"DEQUANTIZE"}))

_WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def check_op(op: Op, graph: Graph) -> str | None:
    """Why ``op`` cannot be compiled, or None."""
    if op.name == "DEQUANTIZE":
        return ("DEQUANTIZE inside the model produces float tensors; only a DEQUANTIZE feeding a "
                "model output is supported (it is stripped and the output stays int8)")
    if op.name not in KERNELS:
        return f"{op.name} is not supported by the model compiler"
    t = graph.tensors
    acts = [i for i in op.inputs if i >= 0 and not t[i].is_const] + list(op.outputs)
    for i in acts:
        if t[i].dtype != "int8":
            return (f"tensor '{t[i].name}' is {t[i].dtype}: the model must be int8-quantized "
                    "(convert with full-integer post-training quantization and a representative "
                    "dataset)")
        if op.name not in ALIAS_OPS and (t[i].quant is None or t[i].quant.per_channel):
            return f"tensor '{t[i].name}' has no per-tensor int8 quantization"
    if op.name in _WEIGHTED:
        w = t[op.inputs[1]]
        if not w.is_const or w.dtype != "int8" or w.quant is None:
            return f"weights '{w.name}' must be constant int8 (got {w.dtype})"
        if any(z != 0 for z in w.quant.zero_points):
            return f"weights '{w.name}' must be symmetric (zero point 0)"
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            b = t[op.inputs[2]]
            if not b.is_const or b.dtype != "int32":
                return f"bias '{b.name}' must be constant int32 (got {b.dtype})"
        if op.name == "FULLY_CONNECTED" and op.options.get("weights_format", 0) != 0:
            return "FULLY_CONNECTED with shuffled weights is not supported"
    if op.options.get("activation", "NONE") not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
        return f"fused activation {op.options.get('activation')} is not supported"
    if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "PAD",
                   "MEAN") and len(t[op.inputs[0]].shape) != 4:
        return f"{op.name} needs a 4-D NHWC input"
    if op.name == "CONV_2D" and t[op.inputs[1]].shape[3] != t[op.inputs[0]].shape[3]:
        return "grouped CONV_2D is not supported"
    if op.name == "CONCATENATION":
        out_q = t[op.outputs[0]].quant
        for i in op.inputs:
            if t[i].quant != out_q:
                return "CONCATENATION inputs must share the output's scale and zero point"
    if op.name in ("ADD", "SUB", "MUL"):
        for i in op.inputs:
            if len(t[i].shape) > 4:
                return f"{op.name} supports at most 4-D tensors"
    if op.name == "SOFTMAX":
        q = t[op.outputs[0]].quant
        if q.zero_point != -128:
            return "int8 SOFTMAX needs output zero point -128"
    if op.name == "LOGISTIC" and t[op.outputs[0]].quant.zero_point != -128:
        return "int8 LOGISTIC needs output zero point -128"
    if op.name == "MEAN":
        axes = t[op.inputs[1]]
        if not axes.is_const:
            return "MEAN needs constant axes"
    if op.name == "PAD":
        if not t[op.inputs[1]].is_const:
            return "PAD needs constant paddings"
    if op.name == "TRANSPOSE":
        if not t[op.inputs[1]].is_const or len(t[op.inputs[0]].shape) > 4:
            return "TRANSPOSE needs a constant permutation of at most 4 dims"
    return None


def _act(op: Op) -> str:
    a = op.options.get("activation", "NONE")
    return "" if a == "NONE" else f" {a.lower()}"


def _shape_text(shape) -> str:
    dims = [d for d in shape]
    if len(dims) > 1 and dims[0] == 1:
        dims = dims[1:]
    return "x".join(str(d) for d in dims) or "scalar"


def describe(op: Op, graph: Graph) -> str:
    """One human-readable line, e.g. 'CONV_2D 3x3 s1 8ch -> 25x5x8'."""
    t = graph.tensors
    out = _shape_text(t[op.outputs[0]].shape) if op.outputs else "?"
    o = op.options
    if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        w = t[op.inputs[1]].shape
        ch = w[0] if op.name == "CONV_2D" else w[3]
        dil = "" if o.get("dilation_h", 1) == o.get("dilation_w", 1) == 1 else \
            f" d{o.get('dilation_h', 1)}x{o.get('dilation_w', 1)}"
        stride = (f"s{o.get('stride_h', 1)}" if o.get("stride_h", 1) == o.get("stride_w", 1)
                  else f"s{o.get('stride_h', 1)}x{o.get('stride_w', 1)}")
        return f"{op.name} {w[1]}x{w[2]} {stride}{dil} {ch}ch{_act(op)} -> {out}"
    if op.name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return (f"{op.name} {o.get('filter_h')}x{o.get('filter_w')} s{o.get('stride_h')}"
                f"{_act(op)} -> {out}")
    if op.name == "FULLY_CONNECTED":
        w = t[op.inputs[1]].shape
        return f"FULLY_CONNECTED {w[1]} -> {w[0]}{_act(op)}"
    return f"{op.name}{_act(op)} -> {out}"


def macs(op: Op, graph: Graph) -> int:
    """Multiply-accumulates (or element operations for non-MAC ops) of one run of ``op``."""
    t = graph.tensors
    if not op.outputs:
        return 0
    out = t[op.outputs[0]]
    if op.name == "CONV_2D":
        w = t[op.inputs[1]].shape
        return out.elements * w[1] * w[2] * w[3]
    if op.name == "DEPTHWISE_CONV_2D":
        w = t[op.inputs[1]].shape
        return out.elements * w[1] * w[2]
    if op.name == "FULLY_CONNECTED":
        w = t[op.inputs[1]].shape
        return (out.elements // max(w[0], 1)) * w[0] * w[1]
    if op.name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return out.elements * int(op.options.get("filter_h", 1)) * int(op.options.get("filter_w", 1))
    if op.name == "MEAN":
        return t[op.inputs[0]].elements
    if op.name in ALIAS_OPS:
        return 0
    return out.elements
