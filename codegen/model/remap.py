"""Data-movement ops as index maps: which input element each output element copies.

STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, UNPACK, GATHER (constant indices), DEPTH_TO_SPACE,
SPACE_TO_DEPTH and RESIZE_NEAREST_NEIGHBOR move int8 values without arithmetic. Each is run here
with numpy on the input's element numbers (``np.arange``) following the TFLite reference kernel's
semantics, which gives, per output, the input index of every output element. Every such map of
these ops is separable over the output's axes: ``index = T0[i0] + T1[i1] + ... + T5[i5]``; the
tables go into flash (4 bytes per output coordinate, not per element) and one C kernel
(``tms_remap.c``) walks them. Every index is computed and range-checked here, at compile time, so
the C cannot read outside the input whatever the input values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ir import Graph, Op

MAX_RANK = 6
REMAP_OPS = ("STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "UNPACK", "GATHER", "DEPTH_TO_SPACE",
             "SPACE_TO_DEPTH", "RESIZE_NEAREST_NEIGHBOR", "TILE")


class RemapError(ValueError):
    """The op's parameters are not constant, not consistent, or not supported."""


@dataclass(frozen=True)
class SeparableMap:
    dims: tuple[int, ...]           # output shape padded to MAX_RANK on the left
    tables: tuple[np.ndarray, ...]  # one int32 table per axis; table k has dims[k] entries


def _ints(graph: Graph, ti: int) -> list[int]:
    t = graph.tensors[ti]
    if not t.is_const:
        raise RemapError(f"needs constant '{t.name}'")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def _data_input(op: Op) -> int:
    return op.inputs[1] if op.name == "SPLIT" else op.inputs[0]


def data_input(op: Op) -> int:
    """The tensor whose values the op moves (SPLIT takes its axis first)."""
    return _data_input(op)


def index_maps(op: Op, graph: Graph) -> list[np.ndarray]:
    """One array per output: the input element index of each output element (output's shape)."""
    t = graph.tensors
    src = t[_data_input(op)]
    shape = tuple(int(d) for d in src.shape)
    if len(shape) > MAX_RANK:
        raise RemapError(f"supports inputs of at most {MAX_RANK} dims")
    idx = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
    o = op.options
    name = op.name
    if name == "STRIDED_SLICE":
        begin, end = _ints(graph, op.inputs[1]), _ints(graph, op.inputs[2])
        strides = _ints(graph, op.inputs[3]) if len(op.inputs) > 3 and op.inputs[3] >= 0 else [1] * len(begin)
        if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0):
            raise RemapError("ellipsis and new-axis masks are not supported")
        if not len(begin) == len(end) == len(strides) <= len(shape) or 0 in strides:
            raise RemapError("begin, end and strides must have one non-zero entry per sliced axis")
        index: list = []
        for d in range(len(begin)):
            if o.get("shrink_axis_mask", 0) >> d & 1:
                b = begin[d] + shape[d] if begin[d] < 0 else begin[d]
                if not 0 <= b < shape[d]:
                    raise RemapError(f"shrink index {begin[d]} is outside axis {d} of size {shape[d]}")
                index.append(b)
                continue
            b = None if o.get("begin_mask", 0) >> d & 1 else begin[d]
            e = None if o.get("end_mask", 0) >> d & 1 else end[d]
            index.append(slice(b, e, strides[d]))
        maps = [idx[tuple(index)]]
    elif name == "SLICE":
        begin, size = _ints(graph, op.inputs[1]), _ints(graph, op.inputs[2])
        if not len(begin) == len(size) == len(shape):
            raise RemapError("begin and size need one entry per axis")
        index = []
        for d, (b, s) in enumerate(zip(begin, size)):
            e = shape[d] if s == -1 else b + s
            if not (0 <= b <= e <= shape[d]):
                raise RemapError(f"slice {b}:{e} is outside axis {d} of size {shape[d]}")
            index.append(slice(b, e))
        maps = [idx[tuple(index)]]
    elif name in ("SPLIT", "SPLIT_V"):
        axis_t = op.inputs[0] if name == "SPLIT" else op.inputs[2]
        axis = _ints(graph, axis_t)[0] % len(shape)
        if name == "SPLIT":
            n = len(op.outputs)
            if n < 1 or shape[axis] % n:
                raise RemapError(f"axis {axis} of size {shape[axis]} does not split into {n}")
            sizes = [shape[axis] // n] * n
        else:
            sizes = _ints(graph, op.inputs[1])
            if sizes.count(-1) == 1:
                sizes[sizes.index(-1)] = shape[axis] - (sum(sizes) + 1)
            if len(sizes) != len(op.outputs) or any(s < 0 for s in sizes) or sum(sizes) != shape[axis]:
                raise RemapError(f"split sizes {sizes} do not add up to axis {axis} of size {shape[axis]}")
        cuts = np.cumsum(sizes)[:-1]
        maps = np.split(idx, cuts, axis=axis)
    elif name == "UNPACK":
        axis = int(o.get("axis", 0)) % len(shape)
        if len(op.outputs) != shape[axis]:
            raise RemapError(f"unpacks axis {axis} of size {shape[axis]} into {len(op.outputs)} outputs")
        maps = [np.take(idx, k, axis=axis) for k in range(shape[axis])]
    elif name == "GATHER":
        if o.get("batch_dims", 0):
            raise RemapError("batch_dims is not supported")
        axis = int(o.get("axis", 0)) % len(shape)
        indices = np.asarray(t[op.inputs[1]].data) if t[op.inputs[1]].is_const else None
        if indices is None:
            raise RemapError("needs constant indices")
        indices = indices.astype(np.int64).reshape(t[op.inputs[1]].shape)
        if np.any(indices < 0) or np.any(indices >= shape[axis]):
            raise RemapError(f"indices must lie in [0, {shape[axis]})")
        maps = [np.take(idx, indices, axis=axis)]
    elif name in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"):
        bs = int(o.get("block_size", 0))
        if len(shape) != 4 or bs < 1:
            raise RemapError("needs a 4-D NHWC input and a block size >= 1")
        b, h, w, c = shape
        if name == "DEPTH_TO_SPACE":
            if c % (bs * bs):
                raise RemapError(f"depth {c} is not a multiple of block size {bs} squared")
            m = idx.reshape(b, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
            maps = [m.reshape(b, h * bs, w * bs, c // (bs * bs))]
        else:
            if h % bs or w % bs:
                raise RemapError(f"height {h} and width {w} must be multiples of block size {bs}")
            m = idx.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
            maps = [m.reshape(b, h // bs, w // bs, bs * bs * c)]
    elif name == "RESIZE_NEAREST_NEIGHBOR":
        if len(shape) != 4:
            raise RemapError("needs a 4-D NHWC input")
        size = _ints(graph, op.inputs[1])
        if len(size) != 2 or min(size) < 1:
            raise RemapError("needs a constant output size of two positive values")
        align, half = bool(o.get("align_corners", 0)), bool(o.get("half_pixel_centers", 0))
        ys = [_nearest(y, shape[1], size[0], align, half) for y in range(size[0])]
        xs = [_nearest(x, shape[2], size[1], align, half) for x in range(size[1])]
        maps = [idx[:, ys][:, :, xs]]
    elif name == "TILE":  # Keras 3's nearest UpSampling2D: EXPAND_DIMS -> TILE -> RESHAPE
        multiples = _ints(graph, op.inputs[1])
        if len(multiples) != len(shape) or any(m < 1 for m in multiples):
            raise RemapError("needs one positive multiple per input axis")
        if int(np.prod(shape, dtype=np.int64)) * int(np.prod(multiples, dtype=np.int64)) > (1 << 24):
            raise RemapError("the tiled output is too large")
        maps = [np.tile(idx, multiples)]
    else:
        raise RemapError(f"{name} is not a data-movement op")
    for k, (m, ti) in enumerate(zip(maps, op.outputs)):
        if m.size != t[ti].elements:
            raise RemapError(f"output {k} holds {t[ti].elements} values; the op makes {m.size}")
    if len(maps) != len(op.outputs):
        raise RemapError(f"makes {len(maps)} outputs; the op lists {len(op.outputs)}")
    return [np.asarray(m).reshape(t[ti].shape) for m, ti in zip(maps, op.outputs)]


def _nearest(value: int, in_size: int, out_size: int, align: bool, half: bool) -> int:
    """reference_ops::GetNearestNeighbor, in float32 as the C++ computes it."""
    f32 = np.float32
    scale = (f32(in_size - 1) / f32(out_size - 1) if align and out_size > 1
             else f32(in_size) / f32(out_size))
    pos = (f32(value) + f32(0.5 if half else 0.0)) * scale
    if align:  # TfLiteRound: half away from zero, on the float32 value
        whole = float(np.floor(abs(pos)))
        chosen = int(whole + (1.0 if abs(float(pos)) - whole >= 0.5 else 0.0)) * (1 if pos >= 0 else -1)
    else:
        chosen = int(np.floor(pos))
    chosen = min(chosen, in_size - 1)
    return max(0, chosen) if half else chosen


def separable(index_map: np.ndarray, input_elements: int) -> SeparableMap:
    """Per-axis tables with ``index_map == sum of tables[k][i_k]`` (checked), every index inside
    the input; RemapError when the map is not separable or leaves the input."""
    m = np.asarray(index_map, dtype=np.int64)
    if m.ndim > MAX_RANK:
        raise RemapError(f"outputs of at most {MAX_RANK} dims")
    if m.size == 0:
        raise RemapError("empty output")
    if m.min() < 0 or m.max() >= input_elements:
        raise RemapError("an index leaves the input")
    shape = m.shape if m.ndim else (1,)
    m = m.reshape(shape)
    dims = (1,) * (MAX_RANK - len(shape)) + tuple(int(d) for d in shape)
    origin = int(m.reshape(-1)[0])
    tables = []
    for k in range(len(shape)):
        line = m[(0,) * k + (slice(None),) + (0,) * (len(shape) - k - 1)]
        tables.append(np.asarray(line, dtype=np.int64) - (origin if k else 0))
    total = np.zeros(shape, dtype=np.int64)
    for k, table in enumerate(tables):
        view = [1] * len(shape)
        view[k] = shape[k]
        total = total + table.reshape(view)
    if not np.array_equal(total, m):
        raise RemapError("the index map is not separable over the output's axes")
    padded = [np.zeros(1, dtype=np.int64)] * (MAX_RANK - len(shape)) + tables
    return SeparableMap(dims, tuple(t.astype(np.int32) for t in padded))
