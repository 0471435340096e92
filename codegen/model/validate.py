"""Complete validation of a model before any C is emitted: a hostile file is refused here.

Two passes. ``validate_graph`` runs on the graph as read (before folding evaluates anything):
structure (one subgraph, inputs/outputs present, tensor indices in range, every tensor produced
once and before use, no cycle), tensor shapes and sizes (dims positive and bounded, element and
byte counts capped, constant buffers exactly ``prod(shape) * itemsize`` bytes) and quantization
(finite positive scales in a sane range, zero points inside their dtype, per-channel counts equal
to the quantized dimension). ``validate_ops`` runs on the folded graph, on the ops that will be
emitted: arity, options (strides, dilations, filters, paddings, depth multipliers, activation
codes), each op's output shape against what its inputs and options give, weights/bias/scales per
output channel, and the arithmetic bounds the C relies on (int32 accumulators that cannot
overflow, shifts the kernels can take).

Every refusal is a ``ModelError`` naming the op (index and name) or the tensor and the field.
"""
from __future__ import annotations

import math

import numpy as np

from . import quant as Q
from .errors import ModelError
from .ir import DTYPE_BYTES, Graph, Op, Tensor

MAX_DIM = 1 << 24                 # one dimension
MAX_ELEMENTS = 8 * 1024 * 1024    # one tensor: keeps every int32 index and int8 sum in range
MAX_TENSOR_BYTES = 64 * 1024 * 1024
MAX_ARENA_BYTES = 64 * 1024 * 1024
MAX_RANK = 6
MIN_SCALE, MAX_SCALE = 1e-12, 1e12
MAX_STRIDE = 1 << 16
ACC_LIMIT = (1 << 31) - 1
KNOWN_ACTIVATIONS = frozenset({"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"})
ZERO_POINT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
                    "int32": (-(1 << 31), (1 << 31) - 1), "int4": (-8, 7)}
MAX_PROBLEMS_LISTED = 8


class _Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)

    def raise_if_any(self, name: str) -> None:
        if self.items:
            shown = "; ".join(self.items[:MAX_PROBLEMS_LISTED])
            more = len(self.items) - MAX_PROBLEMS_LISTED
            tail = f"; and {more} more" if more > 0 else ""
            raise ModelError(f"{name} is refused: {shown}{tail}. The file is malformed or was "
                             "edited by hand; export it again with tf.lite.TFLiteConverter")


def _tensor_label(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def _op_label(op: Op) -> str:
    return f"op #{op.index} {op.name}"


# --- pass 1: the graph as read --------------------------------------------------------------
def validate_graph(graph: Graph, name: str = "the model") -> None:
    """Structure, shapes, sizes and quantization of the raw graph; ModelError listing problems."""
    p = _Problems()
    n = len(graph.tensors)
    if not graph.inputs:
        p.add("the subgraph has no inputs")
    if not graph.outputs:
        p.add("the subgraph has no outputs")
    for kind, indices in (("input", graph.inputs), ("output", graph.outputs)):
        for ti in indices:
            if not 0 <= ti < n:
                p.add(f"subgraph {kind} index {ti} is out of range ({n} tensors)")
    p.raise_if_any(name)
    for t in graph.tensors:
        _check_tensor(t, p)
    for op in graph.ops:
        for ti in op.inputs:
            if ti != -1 and not 0 <= ti < n:
                p.add(f"{_op_label(op)}: input tensor index {ti} is out of range ({n} tensors)")
        for ti in op.outputs:
            if not 0 <= ti < n:
                p.add(f"{_op_label(op)}: output tensor index {ti} is out of range ({n} tensors)")
        if not op.outputs:
            p.add(f"{_op_label(op)}: has no outputs")
    p.raise_if_any(name)
    _check_order(graph, p)
    total_in = sum(graph.tensors[i].nbytes for i in graph.inputs)
    total_out = sum(graph.tensors[i].nbytes for i in graph.outputs)
    for kind, total in (("inputs", total_in), ("outputs", total_out)):
        if total > MAX_TENSOR_BYTES:
            p.add(f"the model {kind} total {total} bytes (limit {MAX_TENSOR_BYTES})")
    p.raise_if_any(name)


def _check_tensor(t: Tensor, p: _Problems) -> None:
    label = _tensor_label(t)
    if len(t.shape) > MAX_RANK:
        p.add(f"{label}: rank {len(t.shape)} is above {MAX_RANK}")
        return
    for d in t.shape:
        if d < 0 or d > MAX_DIM:
            p.add(f"{label}: shape {list(t.shape)} has dimension {d} (allowed 0..{MAX_DIM})")
            return
    elements = math.prod(int(d) for d in t.shape)
    if elements > MAX_ELEMENTS:
        p.add(f"{label}: shape {list(t.shape)} has {elements} elements (limit {MAX_ELEMENTS})")
        return
    if t.dtype not in DTYPE_BYTES:
        if t.is_const:
            p.add(f"{label}: unknown element type '{t.dtype}'")
        return
    if t.is_const:
        expect = elements * DTYPE_BYTES[t.dtype]
        have = int(t.data.size) * int(t.data.itemsize)
        if t.data.size != elements or have != expect:
            p.add(f"{label}: buffer holds {have} bytes but shape {list(t.shape)} of "
                  f"{t.dtype} needs {expect}")
    q = t.quant
    if q is None:
        return
    if len(q.zero_points) != len(q.scales):
        p.add(f"{label}: quantization has {len(q.scales)} scales but {len(q.zero_points)} "
              "zero points")
        return
    for s in q.scales:
        if not (math.isfinite(s) and MIN_SCALE <= s <= MAX_SCALE):
            p.add(f"{label}: quantization scale {s!r} is not a finite positive number in "
                  f"[{MIN_SCALE:g}, {MAX_SCALE:g}]")
            break
    lo, hi = ZERO_POINT_RANGE.get(t.dtype, (-(1 << 31), (1 << 31) - 1))
    for z in q.zero_points:
        if not lo <= z <= hi:
            p.add(f"{label}: zero point {z} is outside {t.dtype}'s range [{lo}, {hi}]")
            break
    if len(q.scales) > 1:
        if not 0 <= q.axis < len(t.shape):
            p.add(f"{label}: quantized dimension {q.axis} is outside its rank {len(t.shape)}")
        elif len(q.scales) != t.shape[q.axis]:
            p.add(f"{label}: {len(q.scales)} per-channel scales for {t.shape[q.axis]} channels "
                  f"(quantized dimension {q.axis})")


def _check_order(graph: Graph, p: _Problems) -> None:
    """Every activation is written by exactly one op, before any op reads it (hence no cycle)."""
    t = graph.tensors
    ready = set(graph.inputs) | {i for i, x in enumerate(t) if x.is_const}
    produced: dict[int, int] = {}
    for op in graph.ops:
        for ti in op.inputs:
            if ti != -1 and ti not in ready:
                if ti in produced or any(ti in later.outputs for later in graph.ops):
                    p.add(f"{_op_label(op)}: reads tensor '{t[ti].name}' before it is written "
                          "(the operators are out of order or form a cycle)")
                else:
                    p.add(f"{_op_label(op)}: reads tensor '{t[ti].name}' that nothing writes")
                return
        for ti in op.outputs:
            if ti in produced:
                p.add(f"{_op_label(op)}: writes tensor '{t[ti].name}' already written by op "
                      f"#{produced[ti]}")
                return
            if t[ti].is_const or ti in graph.inputs:
                p.add(f"{_op_label(op)}: writes tensor '{t[ti].name}', which is a constant or a "
                      "model input")
                return
            produced[ti] = op.index
            ready.add(ti)
    for ti in graph.outputs:
        if ti not in ready:
            p.add(f"model output '{t[ti].name}' is never written")


# --- pass 2: the ops that will be emitted ---------------------------------------------------
def check_arity(op: Op, graph: Graph, bounds: tuple[int, int],
                outputs: tuple[int, int] = (1, 1)) -> str | None:
    """Why ``op``'s operand list is malformed (``bounds``: min and max inputs; ``outputs``: min and
    max outputs), or None. Run before any other op check."""
    lo, hi = bounds
    if not lo <= len(op.inputs) <= hi:
        return f"inputs: has {len(op.inputs)} operands, needs {lo}..{hi}"
    required = op.inputs[:2] if op.name not in ("RESHAPE", "EXPAND_DIMS") else op.inputs[:1]
    if any(i < 0 for i in required) or (op.name == "CONCATENATION" and min(op.inputs) < 0):
        return "inputs: a required operand is absent"
    if not outputs[0] <= len(op.outputs) <= outputs[1]:
        need = "1" if outputs == (1, 1) else f"{outputs[0]}..{outputs[1]}"
        return f"outputs: has {len(op.outputs)} outputs, needs {need}"
    for ti in (*op.inputs, *op.outputs):
        if ti >= 0 and 0 in graph.tensors[ti].shape:
            return f"tensor '{graph.tensors[ti].name}' has an empty shape {list(graph.tensors[ti].shape)}"
    return None


def validate_ops(ops, graph: Graph, specs, name: str = "the model") -> None:
    """Options, shapes and arithmetic bounds of each op to emit (``specs``: op name -> its
    OpSpec, whose ``validate`` holds the op's own rules); ModelError listing problems."""
    p = _Problems()
    for op in ops:
        why = _check_op(op, graph, specs[op.name].validate)
        if why:
            p.add(f"{_op_label(op)}: {why}")
    p.raise_if_any(name)


def validate_arena(arena_bytes: int, name: str = "the model") -> None:
    if arena_bytes > MAX_ARENA_BYTES:
        raise ModelError(f"{name} is refused: its activations need a {arena_bytes}-byte arena "
                         f"(limit {MAX_ARENA_BYTES})")


def _shape(graph: Graph, ti: int) -> tuple[int, ...]:
    return tuple(int(d) for d in graph.tensors[ti].shape)


def _ints(graph: Graph, ti: int) -> list[int]:
    return [int(v) for v in np.asarray(graph.tensors[ti].data).reshape(-1)]


MAX_RESCALE = float(1 << 14)  # in/out scale ratio of the requantizing element-wise ops
_RESCALING = frozenset({"ADD", "SUB", "MUL", "QUANTIZE", "MEAN", "LEAKY_RELU"})


def _check_rescale(op: Op, graph: Graph) -> str | None:
    """The requantized value plus the output offset must stay inside int32 (no UB in the C)."""
    t = graph.tensors
    out = t[op.outputs[0]].quant
    ins = [t[i].quant for i in op.inputs[:2 if op.name in ("ADD", "SUB", "MUL") else 1]]
    if out is None or any(q is None for q in ins):
        return None
    if op.name == "MUL":
        ratio = ins[0].scale * ins[1].scale / out.scale
    else:
        ratio = max(q.scale for q in ins) / out.scale
    if op.name == "LEAKY_RELU":
        ratio *= max(1.0, abs(float(op.options.get("alpha", 0.2))))
    if not ratio <= MAX_RESCALE:
        return (f"input/output scale ratio {ratio:.3g} is above {MAX_RESCALE:g}: the "
                "requantized values would overflow int32")
    return None


def _check_op(op: Op, graph: Graph, own) -> str | None:
    o = op.options
    for ti in op.inputs:
        if ti >= 0 and graph.tensors[ti].is_const:
            c = graph.tensors[ti]
            if c.data.size != c.elements:
                return (f"constant '{c.name}' holds {c.data.size} values but its shape "
                        f"{list(c.shape)} needs {c.elements}")
    if op.name in _RESCALING:
        why = _check_rescale(op, graph)
        if why:
            return why
    act = o.get("activation", "NONE")
    if act not in KNOWN_ACTIVATIONS:
        return f"fused activation code {act} is unknown"
    return own(op, graph) if own else None


def _spatial_geometry(op: Op, graph: Graph):
    """(problem, kh, kw, dh, dw) from the options and the weights/filter."""
    o = op.options
    for key in ("stride_h", "stride_w"):
        v = int(o.get(key, 1))
        if not 1 <= v <= MAX_STRIDE:
            return f"option {key} is {v} (must be 1..{MAX_STRIDE})", 0, 0, 0, 0
    if "pad_top" not in o and o.get("padding", "VALID") not in ("SAME", "VALID"):
        return f"option padding {o.get('padding')} is unknown (SAME or VALID)", 0, 0, 0, 0
    if "pad_top" in o and (int(o["pad_top"]) < 0 or int(o["pad_left"]) < 0):
        return "explicit padding is negative", 0, 0, 0, 0
    if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        for key in ("dilation_h", "dilation_w"):
            v = int(o.get(key, 1))
            if not 1 <= v <= MAX_STRIDE:
                return f"option {key} is {v} (must be 1..{MAX_STRIDE})", 0, 0, 0, 0
        w = _shape(graph, op.inputs[1])
        if len(w) != 4:
            return f"weights shape {list(w)} is not 4-D", 0, 0, 0, 0
        return None, w[1], w[2], int(o.get("dilation_h", 1)), int(o.get("dilation_w", 1))
    fh, fw = int(o.get("filter_h", 0)), int(o.get("filter_w", 0))
    if not (1 <= fh <= MAX_DIM and 1 <= fw <= MAX_DIM):
        return f"option filter_h x filter_w is {fh}x{fw} (must be positive)", 0, 0, 0, 0
    return None, fh, fw, 1, 1


def check_spatial(op: Op, graph: Graph) -> str | None:
    inp, out = _shape(graph, op.inputs[0]), _shape(graph, op.outputs[0])
    if len(inp) != 4 or len(out) != 4:
        return f"input {list(inp)} and output {list(out)} must be 4-D NHWC"
    why, kh, kw, dh, dw = _spatial_geometry(op, graph)
    if why:
        return why
    o = op.options
    n, h, w, c = inp
    on, oh, ow, oc = out
    if on != n:
        return f"output batch {on} differs from input batch {n}"
    if "pad_top" not in o:
        pad = o.get("padding", "VALID")
        eh, ew = (Q.out_size(pad, h, kh, int(o.get("stride_h", 1)), dh),
                  Q.out_size(pad, w, kw, int(o.get("stride_w", 1)), dw))
        if (eh, ew) != (oh, ow):
            return (f"output shape {list(out)} does not match the input {list(inp)}, kernel "
                    f"{kh}x{kw}, strides and padding (expected {eh}x{ew})")
    if op.name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return None if oc == c else f"output channels {oc} differ from input channels {c}"
    wt = graph.tensors[op.inputs[1]]
    ws = _shape(graph, op.inputs[1])
    if op.name == "CONV_2D":
        if ws[0] != oc:
            return f"weights shape {list(ws)} has {ws[0]} filters for {oc} output channels"
        if ws[3] != c:
            return None  # grouped: reported by the op table as unsupported
        channel_axis, sum_axes = 0, (1, 2, 3)
    else:
        if ws[0] != 1 or ws[3] != oc:
            return f"weights shape {list(ws)} does not give {oc} output channels"
        if oc % c:
            return f"output channels {oc} are not a multiple of input channels {c}"
        dm = int(o.get("depth_multiplier", oc // c))
        if dm not in (oc // c, 0) and c != 1:
            return (f"option depth_multiplier {dm} is inconsistent with {c} input and {oc} "
                    "output channels")
        channel_axis, sum_axes = 3, (0, 1, 2)
    return _check_weighted(op, graph, wt, oc, channel_axis, sum_axes)


def _check_weighted(op: Op, graph: Graph, w: Tensor, channels: int, channel_axis: int,
                    sum_axes) -> str | None:
    """Per-channel quantization, bias length and int32 accumulator range of a MAC op."""
    if w.quant is None or not w.is_const:
        return None  # the op table reports it
    if w.quant.per_channel and (w.quant.axis != channel_axis or len(w.quant.scales) != channels):
        return (f"weights '{w.name}' carry {len(w.quant.scales)} per-channel scales on dimension "
                f"{w.quant.axis}; {channels} output channels need them on dimension {channel_axis}")
    bias = None
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        b = graph.tensors[op.inputs[2]]
        if b.is_const:
            if b.elements != channels:
                return f"bias '{b.name}' has {b.elements} values for {channels} output channels"
            bias = np.asarray(b.data).astype(np.int64).reshape(-1)
    data = np.asarray(w.data).astype(np.int64)
    abs_sum = np.abs(data).sum(axis=sum_axes).reshape(-1)[:channels]
    if graph.tensors[op.inputs[0]].dtype == "int16":
        return _check_weighted_s16(op, graph, w, abs_sum, bias, channels)
    in_zp = graph.tensors[op.inputs[0]].quant
    in_offset = -int(in_zp.zero_point) if in_zp is not None else 0
    folded = data.sum(axis=sum_axes).reshape(-1)[:channels] * in_offset
    if bias is not None:
        folded = folded + bias
    worst = np.abs(folded) + 128 * abs_sum
    if channels and int(np.max(worst)) > ACC_LIMIT:
        return (f"weights '{w.name}' and bias could overflow the int32 accumulator "
                f"(|acc| up to {int(np.max(worst))})")
    out_q = graph.tensors[op.outputs[0]].quant
    if in_zp is not None and out_q is not None and channels:
        scales = np.asarray(w.quant.scales, dtype=np.float64)
        scales = np.resize(scales, channels)
        real = in_zp.scale * scales / out_q.scale
        if float(np.max(worst * real)) + 256 > ACC_LIMIT:
            return ("input, weight and output scales make the requantized accumulator overflow "
                    f"int32 (multiplier up to {float(np.max(real)):.3g})")
    return None


def _check_weighted_s16(op: Op, graph: Graph, w: Tensor, abs_sum, bias, channels: int) -> str | None:
    """int16x8 (int16 input, zero point 0): the int64 accumulator must stay inside the +-2^47 that
    MultiplyByQuantizedMultiplier(int64_t, ...) takes, and each channel's shift inside -31..7."""
    # in float64: |INT64_MIN| does not exist in int64; the margin covers the rounding
    worst = 32768.0 * abs_sum.astype(np.float64)
    if bias is not None:
        worst = worst + np.abs(bias[:channels].astype(np.float64))
    if channels and float(np.max(worst)) >= float((1 << 47) - (1 << 24)):
        return (f"weights '{w.name}' and bias could overflow the 48-bit accumulator range "
                f"(|acc| up to {int(np.max(worst))})")
    in_q, out_q = graph.tensors[op.inputs[0]].quant, graph.tensors[op.outputs[0]].quant
    if in_q is not None and out_q is not None and channels:
        _, shifts = Q.conv_multipliers(in_q.scale, w.quant.scales, out_q.scale, channels)
        if max(shifts) > 7:
            return ("input, weight and output scales give a requantization shift above 7 "
                    "(the int16 kernels take -31..7)")
    return None


def check_fully_connected(op: Op, graph: Graph) -> str | None:
    ws = _shape(graph, op.inputs[1])
    if len(ws) != 2:
        return f"weights shape {list(ws)} is not 2-D"
    od, depth = ws
    inp = graph.tensors[op.inputs[0]]
    out = graph.tensors[op.outputs[0]]
    if inp.elements % depth:
        return f"input of {inp.elements} elements is not a whole number of {depth}-wide rows"
    if out.elements != inp.elements // depth * od:
        return (f"output shape {list(out.shape)} does not hold {inp.elements // depth} rows of "
                f"{od}")
    return _check_weighted(op, graph, graph.tensors[op.inputs[1]], od, 0, (1,))


def check_binary(op: Op, graph: Graph) -> str | None:
    a, b, out = (_shape(graph, i) for i in (*op.inputs[:2], op.outputs[0]))
    if max(len(a), len(b), len(out)) > 4:
        return None  # the op table reports it
    try:
        expect = tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return f"input shapes {list(a)} and {list(b)} do not broadcast"
    if expect != out:
        return f"output shape {list(out)} differs from the broadcast shape {list(expect)}"
    return None


def check_same_shape(op: Op, graph: Graph) -> str | None:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.elements != out.elements:
        return f"output shape {list(out.shape)} differs from input shape {list(inp.shape)}"
    if op.name == "LOGISTIC" or op.name == "TANH":
        _, shift, _ = Q.sigmoid_like_params(inp.quant.scale) if inp.quant else (0, 0, 0)
        if not -31 <= shift <= 31:
            return f"input scale {inp.quant.scale!r} is out of the kernel's fixed-point range"
    if op.name == "SOFTMAX" and inp.quant is not None:
        beta = float(op.options.get("beta", 1.0))
        if not (math.isfinite(beta) and 0 < beta <= 1e6):
            return f"option beta {beta!r} must be a finite positive number"
        _, shift, _ = Q.softmax_params(beta, inp.quant.scale)
        if not 0 <= shift <= 31:
            return (f"input scale {inp.quant.scale!r} with beta {beta!r} is out of the kernel's "
                    "fixed-point range")
    if op.name == "LEAKY_RELU":
        alpha = float(op.options.get("alpha", 0.2))
        if not (math.isfinite(alpha) and abs(alpha) <= 1e6):
            return f"option alpha {alpha!r} must be a finite number"
    return None


def check_alias(op: Op, graph: Graph) -> str | None:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.elements != out.elements or inp.itemsize != out.itemsize:
        return (f"output shape {list(out.shape)} ({out.elements} elements) does not match input "
                f"shape {list(inp.shape)} ({inp.elements} elements)")
    return None


def check_concat(op: Op, graph: Graph) -> str | None:
    out = _shape(graph, op.outputs[0])
    rank = len(out)
    if rank == 0:
        return "output is a scalar"
    axis = int(op.options.get("axis", 0))
    if not -rank <= axis < rank:
        return f"option axis {axis} is outside rank {rank}"
    axis %= rank
    total = 0
    for ti in op.inputs:
        s = _shape(graph, ti)
        if len(s) != rank or any(s[d] != out[d] for d in range(rank) if d != axis):
            return f"input shape {list(s)} does not fit output shape {list(out)} on axis {axis}"
        total += s[axis]
    if total != out[axis]:
        return f"inputs sum to {total} along axis {axis}, the output has {out[axis]}"
    return None


def check_mean(op: Op, graph: Graph) -> str | None:
    if not graph.tensors[op.inputs[1]].is_const:
        return None
    inp = _shape(graph, op.inputs[0])
    rank = len(inp)
    if not 1 <= rank <= 4:
        return None  # the op table reports it
    axes = _ints(graph, op.inputs[1])
    if not axes or any(not -rank <= a < rank for a in axes):
        return f"axes {axes} are outside rank {rank}"
    reduced = {a % rank for a in axes}
    kept = math.prod(inp[d] for d in range(rank) if d not in reduced)
    if graph.tensors[op.outputs[0]].elements != kept:
        return (f"output shape {list(graph.tensors[op.outputs[0]].shape)} does not match input "
                f"{list(inp)} reduced over {sorted(reduced)}")
    if op.name == "SUM":
        iq, oq = graph.tensors[op.inputs[0]].quant, graph.tensors[op.outputs[0]].quant
        count = math.prod(inp[d] for d in reduced)
        if iq is not None and oq is not None and not iq.scale / oq.scale * 256 * count < 2 ** 30:
            return (f"a sum of {count} values rescaled by {iq.scale / oq.scale:.3g} could overflow "
                    "int32")
    return None


def check_lut(op: Op, graph: Graph) -> str | None:
    """A unary op computed as a table: same element count, and the table's Prepare must hold."""
    why = check_same_shape(op, graph)
    if why:
        return why
    inp, out = graph.tensors[op.inputs[0]].quant, graph.tensors[op.outputs[0]].quant
    if inp is None or out is None:
        return None
    from .lut import unary_table  # the table is the check: an op whose Prepare fails is refused
    try:
        unary_table(op.name, inp.scale, inp.zero_point, out.scale, out.zero_point)
    except ValueError as e:
        return str(e)
    return None


def check_pad(op: Op, graph: Graph) -> str | None:
    pads_t = graph.tensors[op.inputs[1]]
    if not pads_t.is_const:
        return None
    inp, out = _shape(graph, op.inputs[0]), _shape(graph, op.outputs[0])
    vals = _ints(graph, op.inputs[1])
    if len(inp) > 4 or len(vals) != 2 * len(inp):
        return f"paddings hold {len(vals)} values for a rank-{len(inp)} input"
    if any(v < 0 or v > MAX_DIM for v in vals):
        return f"paddings {vals} must be non-negative"
    expect = tuple(inp[d] + vals[2 * d] + vals[2 * d + 1] for d in range(len(inp)))
    if expect != out:
        return f"output shape {list(out)} differs from the padded shape {list(expect)}"
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        return "PAD with an explicit pad value is not supported"
    return None


def check_transpose(op: Op, graph: Graph) -> str | None:
    if not graph.tensors[op.inputs[1]].is_const:
        return None
    inp, out = _shape(graph, op.inputs[0]), _shape(graph, op.outputs[0])
    perm = _ints(graph, op.inputs[1])
    if sorted(perm) != list(range(len(inp))):
        return f"permutation {perm} is not a permutation of {len(inp)} dimensions"
    if tuple(inp[k] for k in perm) != out:
        return f"output shape {list(out)} is not input shape {list(inp)} permuted by {perm}"
    return None


def check_remap(op: Op, graph: Graph) -> str | None:
    """A data-movement op: its index maps can be computed and stay inside the input."""
    from .remap import RemapError, data_input, index_maps, separable

    src = graph.tensors[data_input(op)]
    if src.elements > MAX_ELEMENTS:
        return None  # the tensor checks report it
    try:
        for m in index_maps(op, graph):
            separable(m, src.elements)
    except RemapError as e:
        return str(e)
    return None


def check_pack(op: Op, graph: Graph) -> str | None:
    """PACK: equal input shapes stacked along a new axis of the output."""
    out = _shape(graph, op.outputs[0])
    first = _shape(graph, op.inputs[0])
    rank = len(out)
    if rank != len(first) + 1:
        return f"output rank {rank} is not the input rank {len(first)} plus one"
    axis = int(op.options.get("axis", 0))
    if not -rank <= axis < rank:
        return f"option axis {axis} is outside rank {rank}"
    axis %= rank
    if any(_shape(graph, i) != first for i in op.inputs):
        return "inputs differ in shape"
    expect = first[:axis] + (len(op.inputs),) + first[axis:]
    if out != expect:
        return f"output shape {list(out)} differs from the stacked shape {list(expect)}"
    return None


def check_batch_matmul(op: Op, graph: Graph) -> str | None:
    """BATCH_MATMUL: operands that multiply, the output's shape, int32 sums that cannot overflow."""
    from .emit_more import batch_matmul_geometry

    o = op.options
    try:
        g = batch_matmul_geometry(_shape(graph, op.inputs[0]), _shape(graph, op.inputs[1]),
                                  bool(o.get("adj_x")), bool(o.get("adj_y")))
    except ValueError as e:
        return str(e)
    out = _shape(graph, op.outputs[0])
    if out != g.out_shape:
        return f"output shape {list(out)} differs from the product's {list(g.out_shape)}"
    if g.depth * 255 * 255 > ACC_LIMIT:
        return f"inner dimension {g.depth} could overflow the int32 sum"
    return None


def check_resize_bilinear(op: Op, graph: Graph) -> str | None:
    """RESIZE_BILINEAR: a constant size matching the output, every source index inside the input."""
    from .emit_more import resize_bilinear_tables

    inp, out = _shape(graph, op.inputs[0]), _shape(graph, op.outputs[0])
    if len(inp) != 4 or len(out) != 4:
        return f"input {list(inp)} and output {list(out)} must be 4-D NHWC"
    if not graph.tensors[op.inputs[1]].is_const:
        return "needs a constant output size"
    size = _ints(graph, op.inputs[1])
    if len(size) != 2 or out != (inp[0], size[0], size[1], inp[3]):
        return f"output shape {list(out)} does not match size {size} of input {list(inp)}"
    align, half = bool(op.options.get("align_corners")), bool(op.options.get("half_pixel_centers"))
    if align and half:
        return "align_corners and half_pixel_centers cannot both be set"
    try:
        resize_bilinear_tables(inp[1], inp[2], out[1], out[2], align, half)
    except ValueError as e:
        return str(e)
    return None


def check_transpose_conv(op: Op, graph: Graph) -> str | None:
    """TRANSPOSE_CONV: constant output shape equal to the output, weights [out_c, k_h, k_w, in_c]
    fitting input and output, strides, bias per channel, int32 sums that cannot overflow."""
    t = graph.tensors
    shape_t, w, inp, out = t[op.inputs[0]], t[op.inputs[1]], t[op.inputs[2]], t[op.outputs[0]]
    if not shape_t.is_const:
        return "needs a constant output shape"
    if len(inp.shape) != 4 or len(out.shape) != 4 or len(w.shape) != 4:
        return "input, weights and output must be 4-D"
    if tuple(_ints(graph, op.inputs[0])) != tuple(out.shape):
        return f"output shape tensor {_ints(graph, op.inputs[0])} differs from the output {list(out.shape)}"
    oc, kh, kw, ic = (int(d) for d in w.shape)
    if ic != inp.shape[3] or oc != out.shape[3] or inp.shape[0] != out.shape[0]:
        return f"weights {list(w.shape)} do not fit input {list(inp.shape)} and output {list(out.shape)}"
    for key in ("stride_h", "stride_w"):
        v = int(op.options.get(key, 1))
        if not 1 <= v <= MAX_STRIDE:
            return f"option {key} is {v} (must be 1..{MAX_STRIDE})"
    if op.options.get("padding", "VALID") not in ("SAME", "VALID"):
        return f"option padding {op.options.get('padding')} is unknown (SAME or VALID)"
    if w.quant is not None and w.quant.per_channel and len(w.quant.scales) != oc:
        return f"weights have {len(w.quant.scales)} scales for {oc} output channels"
    if len(op.inputs) > 3 and op.inputs[3] >= 0 and t[op.inputs[3]].elements != oc:
        return f"bias holds {t[op.inputs[3]].elements} values for {oc} output channels"
    bias = 0
    if len(op.inputs) > 3 and op.inputs[3] >= 0 and t[op.inputs[3]].is_const:
        bias = int(np.abs(np.asarray(t[op.inputs[3]].data, dtype=np.int64)).max(initial=0))
    if kh * kw * ic * 255 * 128 + bias > ACC_LIMIT:  # |(in + offset) * w| <= 255 * 128 per tap
        return f"a {kh}x{kw}x{ic} kernel with its bias could overflow the int32 sum"
    return None
