"""Simplifies the IR before planning: folds shape-only subgraphs and strips float boundaries.

Keras 3 exports ``Flatten`` as SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, whose result is known
at compile time because every shape is static; evaluating such ops here leaves a single RESHAPE
(an alias, zero cost). A SPACE_TO_BATCH_ND -> (DEPTHWISE_)CONV_2D -> BATCH_TO_SPACE_ND sandwich (how TensorFlow exports
a dilated convolution, e.g. Keras' dilated DepthwiseConv2D) becomes one dilated conv with
explicit padding: the same products and sums per output, since the space-to-batch padding holds
the zero point, which contributes nothing, exactly like a skipped tap. A float model input
feeding a QUANTIZE (and a DEQUANTIZE feeding a float
output) is moved to the int8 tensor: the generated API is int8 in and out, and the caller
quantizes with MODEL_INPUT_SCALE / MODEL_INPUT_ZERO_POINT.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ir import NUMPY_DTYPES, Graph, Op, Tensor
from .validate import MAX_ELEMENTS

FOLDABLE = frozenset({"SHAPE", "STRIDED_SLICE", "PACK", "CONCATENATION", "RESHAPE", "SQUEEZE",
                      "EXPAND_DIMS", "CAST", "ADD", "MUL", "SUB", "GATHER",
                      "REDUCE_PROD", "SUM", "FILL", "ZEROS_LIKE"})


@dataclass(frozen=True)
class BoundaryNote:
    """A float model input/output replaced by the int8 tensor next to it."""

    kind: str  # "input" or "output"
    float_tensor: str
    int8_tensor: str


def fold_graph(graph: Graph) -> tuple[Graph, tuple[BoundaryNote, ...]]:
    """A new Graph with compile-time-computable ops evaluated and float boundaries stripped."""
    tensors = list(graph.tensors)
    live_ops: list[Op] = []
    for op in graph.ops:
        if op.name in FOLDABLE and _foldable(op, tensors, graph):
            try:
                value = _evaluate(op, tensors)
            except (ValueError, IndexError, TypeError):  # left in place: reported as unsupported
                value = None
            if value is not None:
                out = tensors[op.outputs[0]]
                np_type = NUMPY_DTYPES.get(out.dtype)
                if np_type is not None:
                    value = np.asarray(value).astype(np_type)
                if value.size == out.elements:  # a result that disagrees with the declared
                    out.data = value.reshape(out.shape)  # shape is left to the validator
                    continue
        live_ops.append(op)

    live_ops = _fold_space_to_batch_convs(live_ops, tensors, graph)
    live_ops = _fold_float_data_movement(live_ops, tensors, graph)
    live_ops = _fold_float_unary(live_ops, tensors, graph)
    _refresh_stale_shapes(live_ops, tensors, graph)
    inputs = list(graph.inputs)
    outputs = list(graph.outputs)
    notes: list[BoundaryNote] = []
    for pos, ti in enumerate(inputs):
        t = tensors[ti]
        consumers = [op for op in live_ops if ti in op.inputs]
        if t.dtype == "float32" and len(consumers) == 1 and consumers[0].name == "QUANTIZE":
            q = consumers[0]
            if ti not in outputs and tensors[q.outputs[0]].dtype in ("int8", "int16"):
                inputs[pos] = q.outputs[0]
                live_ops.remove(q)
                notes.append(BoundaryNote("input", t.name, tensors[q.outputs[0]].name))
    for pos, ti in enumerate(outputs):
        t = tensors[ti]
        producers = [op for op in live_ops if ti in op.outputs]
        if t.dtype == "float32" and len(producers) == 1 and producers[0].name == "DEQUANTIZE":
            d = producers[0]
            src = d.inputs[0]
            if tensors[src].dtype in ("int8", "int16") and src not in inputs:
                outputs[pos] = src
                live_ops.remove(d)
                notes.append(BoundaryNote("output", t.name, tensors[src].name))
    return Graph(tensors, live_ops, tuple(inputs), tuple(outputs)), tuple(notes)


def _refresh_stale_shapes(ops: list[Op], tensors, graph: Graph) -> None:
    """Keras 3's tensordot exports a RESHAPE -> FULLY_CONNECTED whose intermediate tensors keep a
    placeholder static shape ([1, 1]) because the new shape was computed at run time; once the
    shape subgraph is folded the true shapes follow. Only intermediates are touched (never a
    model input or output), only when the stored shape is inconsistent, and the validator
    still checks the result."""
    boundary = set(graph.inputs) | set(graph.outputs)
    for op in ops:
        if not op.outputs or op.outputs[0] in boundary or not op.inputs or op.inputs[0] < 0:
            continue
        src, out = tensors[op.inputs[0]], tensors[op.outputs[0]]
        if op.name == "RESHAPE" and len(op.inputs) > 1 and op.inputs[1] >= 0:
            spec = tensors[op.inputs[1]]
            if not spec.is_const or src.elements == out.elements:
                continue
            dims = [int(d) for d in np.asarray(spec.data).reshape(-1)]
            known = int(np.prod([d for d in dims if d != -1], dtype=np.int64)) if dims else 1
            if dims.count(-1) > 1 or any(d < -1 or d == 0 for d in dims) or known <= 0:
                continue
            if -1 in dims:
                if src.elements % known:
                    continue
                dims[dims.index(-1)] = src.elements // known
            if int(np.prod(dims, dtype=np.int64)) == src.elements:
                out.shape = tuple(dims)
        elif op.name == "FULLY_CONNECTED" and len(op.inputs) > 1 and op.inputs[1] >= 0:
            w = tensors[op.inputs[1]]
            if len(w.shape) != 2 or op.options.get("keep_num_dims"):
                continue
            od, depth = (int(d) for d in w.shape)
            if depth > 0 and src.elements % depth == 0 and out.elements != src.elements // depth * od:
                out.shape = (src.elements // depth, od)


def _foldable(op: Op, tensors, graph: Graph) -> bool:
    if op.name in ("SHAPE", "ZEROS_LIKE"):  # depend only on the (static) shape
        src = tensors[op.inputs[0]]
        return all(d > 0 for d in src.shape) and op.inputs[0] not in ()  # static shapes only
    present = [i for i in op.inputs if i >= 0]
    if not present or not all(tensors[i].is_const for i in present):
        return False
    # arithmetic ops are folded only on integer shape data, never on quantized activations
    if op.name in ("ADD", "MUL", "SUB"):
        return all(tensors[i].dtype in ("int32", "int64") for i in present)
    return True


def _evaluate(op: Op, tensors) -> np.ndarray | None:
    vals = [tensors[i].data if i >= 0 else None for i in op.inputs]
    out = tensors[op.outputs[0]]
    name = op.name
    if name == "SHAPE":
        return np.array(tensors[op.inputs[0]].shape, dtype=np.int64)
    if name == "ZEROS_LIKE":  # raw zeros of the input's type (not the zero point), as TFLite
        return np.zeros(tensors[op.inputs[0]].shape)
    if name in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
        return np.asarray(vals[0]).reshape(out.shape)
    if name == "CAST":
        return np.asarray(vals[0])
    if name == "PACK":
        return np.stack([np.asarray(v) for v in vals], axis=int(op.options.get("axis", 0)))
    if name == "CONCATENATION":
        arrays = [np.asarray(v) for v in vals]
        return np.concatenate(arrays, axis=int(op.options.get("axis", 0)) % max(arrays[0].ndim, 1))
    if name == "ADD":
        return np.asarray(vals[0]) + np.asarray(vals[1])
    if name == "SUB":
        return np.asarray(vals[0]) - np.asarray(vals[1])
    if name == "MUL":
        return np.asarray(vals[0]) * np.asarray(vals[1])
    if name == "GATHER":
        if op.options.get("batch_dims", 0):
            return None
        return np.take(np.asarray(vals[0]), np.asarray(vals[1]), axis=int(op.options.get("axis", 0)))
    if name in ("REDUCE_PROD", "SUM"):
        fn = np.prod if name == "REDUCE_PROD" else np.sum
        axes = tuple(int(a) for a in np.asarray(vals[1]).reshape(-1))
        return fn(np.asarray(vals[0]), axis=axes, keepdims=bool(op.options.get("keep_dims", False)))
    if name == "FILL":
        dims = [int(d) for d in np.asarray(vals[0]).reshape(-1)]
        if any(d < 0 for d in dims) or int(np.prod(dims, dtype=np.float64)) > MAX_ELEMENTS:
            return None
        return np.full(tuple(int(d) for d in np.asarray(vals[0]).reshape(-1)), np.asarray(vals[1]))
    if name == "STRIDED_SLICE":
        return _strided_slice(op, [np.asarray(v) for v in vals])
    return None


def _strided_slice(op: Op, vals) -> np.ndarray:
    data, begin, end = vals[0], vals[1].astype(int), vals[2].astype(int)
    strides = vals[3].astype(int) if len(vals) > 3 and vals[3] is not None else np.ones_like(begin)
    o = op.options
    if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0):
        raise ValueError("strided slice with ellipsis/new-axis masks")
    index = []
    for d in range(len(begin)):
        if o.get("shrink_axis_mask", 0) >> d & 1:
            index.append(int(begin[d]))
            continue
        b = None if o.get("begin_mask", 0) >> d & 1 else int(begin[d])
        e = None if o.get("end_mask", 0) >> d & 1 else int(end[d])
        index.append(slice(b, e, int(strides[d])))
    return np.asarray(data[tuple(index)])


_FLOAT_MOVES = frozenset({"SPLIT", "SPLIT_V", "UNPACK", "RESHAPE", "SQUEEZE", "EXPAND_DIMS"})


def _fold_float_data_movement(ops: list[Op], tensors, graph: Graph) -> list[Op]:
    """Keras 3's unrolled LSTM/GRU with a fixed batch exports DEQUANTIZE -> SPLIT (float) ->
    QUANTIZE per part, every QUANTIZE back to the DEQUANTIZE's own scale and zero point. Moving
    values does not change them, and int8 -> float -> int8 with one quantization is the identity
    (|q - zp| <= 255: float32(scale * n) / scale rounds back to n), so the sandwich is the same
    data movement on the int8 tensor: one int8 op whose outputs are the QUANTIZEs' outputs (a
    part nobody reads gets a fresh int8 tensor). Anything else is left for the checks to refuse."""
    boundary = set(graph.inputs) | set(graph.outputs)

    def consumers(ti):
        return [o for o in ops if ti in o.inputs]

    out = list(ops)
    for deq in ops:
        if deq.name != "DEQUANTIZE" or deq.outputs[0] in boundary:
            continue
        src = tensors[deq.inputs[0]]
        mid = deq.outputs[0]
        users = consumers(mid)
        if (src.dtype != "int8" or src.quant is None or src.quant.per_channel or len(users) != 1
                or users[0].name not in _FLOAT_MOVES):
            continue
        move = users[0]
        if any(i != mid and i >= 0 and not tensors[i].is_const for i in move.inputs):
            continue
        new_outputs, quantizes = [], []
        for ti in move.outputs:
            readers = consumers(ti)
            if ti in boundary or any(r.name != "QUANTIZE" or tensors[r.outputs[0]].quant != src.quant
                                     or tensors[r.outputs[0]].dtype != "int8" for r in readers):
                break
            if len(readers) > 1:
                break
            if readers:
                quantizes.append(readers[0])
                new_outputs.append(readers[0].outputs[0])
            else:
                fresh = Tensor(len(tensors), tensors[ti].name + "/int8", tuple(tensors[ti].shape),
                               "int8", src.quant)
                tensors.append(fresh)
                new_outputs.append(fresh.index)
        else:
            merged = Op(move.index, move.name,
                        tuple(deq.inputs[0] if i == mid else i for i in move.inputs),
                        tuple(new_outputs), dict(move.options))
            out = [merged if op is move else op for op in out
                   if op is not deq and not any(op is q for q in quantizes)]
    return out


FLOAT_UNARY = frozenset({"NEG"})  # float ops whose int8 sandwich is a 256-entry table (lut.py)


def _fold_float_unary(ops: list[Op], tensors, graph: Graph) -> list[Op]:
    """Keras 3's LayerNormalization exports DEQUANTIZE -> NEG (float) -> QUANTIZE (the converter
    has no int8 NEG). The three together are a function of one int8 byte, so they become one
    int8 op marked ``via_float`` whose table (lut.py) replays TFLM's float arithmetic."""
    boundary = set(graph.inputs) | set(graph.outputs)

    def consumers(ti):
        return [o for o in ops if ti in o.inputs]

    out = list(ops)
    for deq in ops:
        if deq.name != "DEQUANTIZE" or deq.outputs[0] in boundary:
            continue
        src = tensors[deq.inputs[0]]
        users = consumers(deq.outputs[0])
        if (src.dtype != "int8" or src.quant is None or src.quant.per_channel or len(users) != 1
                or users[0].name not in FLOAT_UNARY or users[0].outputs[0] in boundary):
            continue
        unary = users[0]
        after = consumers(unary.outputs[0])
        if len(after) != 1 or after[0].name != "QUANTIZE":
            continue
        q = tensors[after[0].outputs[0]]
        if q.dtype != "int8" or q.quant is None or q.quant.per_channel:
            continue
        merged = Op(unary.index, unary.name, (deq.inputs[0],), after[0].outputs, {"via_float": 1})
        out = [merged if op is unary else op for op in out if op is not deq and op is not after[0]]
    return out


def _fold_space_to_batch_convs(ops: list[Op], tensors, graph: Graph) -> list[Op]:
    def consumers(ti):
        return [o for o in ops if ti in o.inputs]

    out = list(ops)
    for s2b in ops:
        if s2b.name != "SPACE_TO_BATCH_ND" or len(s2b.inputs) < 3:
            continue
        x, block_t, pads_t = (tensors[i] for i in s2b.inputs[:3])
        mid = s2b.outputs[0]
        users = consumers(mid)
        if (not block_t.is_const or not pads_t.is_const or len(x.shape) != 4 or x.shape[0] != 1
                or len(users) != 1 or users[0].name not in ("CONV_2D", "DEPTHWISE_CONV_2D")
                or mid in graph.outputs):
            continue
        conv = users[0]
        o = conv.options
        if (conv.inputs[0] != mid or o.get("padding") != "VALID" or o.get("stride_h", 1) != 1
                or o.get("stride_w", 1) != 1 or o.get("dilation_h", 1) != 1
                or o.get("dilation_w", 1) != 1):
            continue
        after = consumers(conv.outputs[0])
        if len(after) != 1 or after[0].name != "BATCH_TO_SPACE_ND" or conv.outputs[0] in graph.outputs:
            continue
        b2s = after[0]
        block2_t, crops_t = tensors[b2s.inputs[1]], tensors[b2s.inputs[2]]
        block = [int(v) for v in np.asarray(block_t.data).reshape(-1)]
        if (not block2_t.is_const or not crops_t.is_const or len(block) != 2
                or block != [int(v) for v in np.asarray(block2_t.data).reshape(-1)]):
            continue
        if tensors[mid].quant != x.quant or tensors[b2s.outputs[0]].quant != tensors[conv.outputs[0]].quant:
            continue
        pads = np.asarray(pads_t.data).reshape(2, 2)
        crops = np.asarray(crops_t.data).reshape(2, 2)
        options = dict(o)
        options.update(dilation_h=block[0], dilation_w=block[1],
                       pad_top=int(pads[0, 0] - crops[0, 0]), pad_left=int(pads[1, 0] - crops[1, 0]))
        merged = Op(conv.index, conv.name, (s2b.inputs[0],) + tuple(conv.inputs[1:]),
                    b2s.outputs, options)
        out = [merged if op is conv else op for op in out if op is not s2b and op is not b2s]
    return out
