"""How far below its input an op's output may start without clobbering input still to be read.

The kernels walk their output in memory order (pixel by pixel, or element by element), so an
output may overlap its *dying* input if every byte written lies below every input byte still
needed. ``max_output_shift`` returns the largest allowed offset d = out_start - in_start
(usually negative or zero); the planner may then overlap the two buffers. This is how a 1x1
conv or a depthwise conv runs almost in place and how the arena goes below the classic bound.
Returns None when the op must not overlap its input.
"""
from __future__ import annotations

import numpy as np

from .ir import Graph, Op
from .quant import op_padding

SPATIAL = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"})
# one output element from the same-index input element, read before it is written
ELEMENTWISE = frozenset({"LOGISTIC", "TANH", "QUANTIZE", "SOFTMAX", "LEAKY_RELU"})
BINARY = frozenset({"ADD", "SUB", "MUL"})


def max_output_shift(op: Op, graph: Graph, input_pos: int = 0) -> int | None:
    t = graph.tensors
    if op.name in ELEMENTWISE and input_pos == 0:
        return 0
    if op.name in BINARY:
        inp, out = t[op.inputs[input_pos]], t[op.outputs[0]]
        return 0 if inp.elements == out.elements and tuple(inp.shape) == tuple(out.shape) else None
    if op.name in SPATIAL and input_pos == 0:
        return _spatial_shift(op, graph)
    return None


def _spatial_shift(op: Op, graph: Graph) -> int | None:
    t = graph.tensors
    inp, out = t[op.inputs[0]], t[op.outputs[0]]
    if len(inp.shape) != 4 or len(out.shape) != 4:
        return None
    n, h, w, c = (int(d) for d in inp.shape)
    _, oh, ow, oc = (int(d) for d in out.shape)
    o = op.options
    sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        kshape = t[op.inputs[1]].shape
        kh, kw = int(kshape[1]), int(kshape[2])
        dh, dw = int(o.get("dilation_h", 1)), int(o.get("dilation_w", 1))
    else:
        kh, kw = int(o["filter_h"]), int(o["filter_w"])
        dh = dw = 1
    ph, pw = op_padding(o, h, w, kh, kw)

    def first_valid(origin: np.ndarray, dil: int, k: int, size: int) -> np.ndarray:
        # smallest tap index whose input coordinate is inside the image, as a coordinate
        taps = np.maximum(0, -(origin // dil) if dil == 1 else -(-(-origin) // dil))
        taps = np.where(origin >= 0, 0, taps)
        coord = origin + taps * dil
        return np.where((taps < k) & (coord < size), coord, -1)

    y0 = np.arange(oh) * sh - ph
    x0 = np.arange(ow) * sw - pw
    iy = first_valid(y0, dh, kh, h)
    ix = first_valid(x0, dw, kw, w)
    big = n * h * w * c
    lo = np.full((n, oh, ow), big, dtype=np.int64)
    for b in range(n):
        rows = np.where(iy >= 0, (b * h + iy) * w, -1)
        grid = rows[:, None] + np.where(ix >= 0, ix, 0)[None, :]
        valid = (iy >= 0)[:, None] & (ix >= 0)[None, :]
        lo[b] = np.where(valid, grid * c, big)
    lo = lo.reshape(-1)
    need = np.minimum.accumulate(lo[::-1])[::-1]  # lowest input byte read by pixels >= q
    q = np.arange(lo.size, dtype=np.int64)
    return int(np.min(need - (q + 1) * oc))
