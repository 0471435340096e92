"""What a .tflite model costs and whether it compiles, without importing TensorFlow.

The node catalogue calls ``analyze_tflite`` so the model node's RAM/flash cost is the compiler's
own static plan: one source of truth. Fast: reads the flatbuffer and plans, writes no code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import ModelError
from .ir import Graph
from .opset import SUPPORTED_OPS, describe, macs
from .program import Program, build_program
from .reader import load_bytes, read_graph
from .validate import validate_graph

__all__ = ["ModelError", "TensorInfo", "UnsupportedOp", "ModelSummary", "analyze_tflite",
           "summarize_program"]


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float | None
    zero_point: int | None


@dataclass(frozen=True)
class UnsupportedOp:
    index: int
    op: str
    tensors: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ModelSummary:
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    ops: tuple[str, ...]
    layers: tuple[str, ...]
    params: int
    macs: int
    arena_bytes: int
    lower_bound_bytes: int
    flash_bytes: int                  # on a core with the DSP extension (Cortex-M4/M7/M33)
    unsupported: tuple[UnsupportedOp, ...]
    flash_bytes_without_dsp: int = 0  # on a core without it (Cortex-M0+): the plain kernels
    fc_macs: int = 0                  # the part of ``macs`` in FULLY_CONNECTED ops (cheaper per MAC)
    pool_macs: int = 0                # window elements of the pooling ops (counted in ``macs``)
    elementwise_macs: int = 0         # elements of the other non-MAC ops (counted in ``macs``)
    float_model: bool = False         # float32 in/out and activations: needs a core with an FPU
    int8_arena_bytes: int = 0         # float models: the same graph's arena once int8-quantized
    int8_flash_bytes: int = 0         # float models: its flash once int8-quantized (estimate)
    float16_weights: bool = False     # float models whose weights are stored as float16

    @property
    def supported(self) -> bool:
        return not self.unsupported

    @property
    def unsupported_text(self) -> str:
        """What cannot be compiled, each reason once, then the supported ops once."""
        return problems_text(self.unsupported)


def _info(graph: Graph, ti: int) -> TensorInfo:
    t = graph.tensors[ti]
    q = t.quant
    return TensorInfo(t.name, tuple(t.shape), t.dtype, q.scale if q else None,
                      q.zero_point if q else None)


# the ops whose ``macs`` are multiply-accumulates (the rest count the elements they touch)
_MAC_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "BATCH_MATMUL"})
_POOLS = frozenset({"AVERAGE_POOL_2D", "MAX_POOL_2D"})


def summarize_program(program: Program) -> ModelSummary:
    g = program.graph
    used_consts = set()
    for op in program.ops:
        for i in op.inputs:
            if i >= 0 and g.tensors[i].is_const and op.name not in ("RESHAPE",):
                used_consts.add(i)
    params = sum(g.tensors[i].elements for i in used_consts)
    total_macs = fc_macs = pool_macs = elementwise_macs = 0
    layers = []
    for op in program.ops:
        try:
            op_macs = macs(op, g)
            total_macs += op_macs
            fc_macs += op_macs if op.name == "FULLY_CONNECTED" else 0
            pool_macs += op_macs if op.name in _POOLS else 0
            elementwise_macs += op_macs if op.name not in _MAC_OPS and op.name not in _POOLS else 0
            layers.append(describe(op, g))
        except (IndexError, KeyError, TypeError):  # malformed op: already in problems
            layers.append(op.name)
    return ModelSummary(
        inputs=tuple(_info(g, i) for i in g.inputs),
        outputs=tuple(_info(g, i) for i in g.outputs),
        ops=tuple(op.name for op in program.ops),
        layers=tuple(layers),
        params=params,
        macs=total_macs,
        arena_bytes=program.plan.arena_bytes,
        lower_bound_bytes=program.plan.lower_bound_bytes,
        flash_bytes=program.flash_bytes(),
        unsupported=tuple(UnsupportedOp(p.index, p.op, p.tensors, p.message)
                          for p in program.problems),
        flash_bytes_without_dsp=program.flash_bytes(dsp=False),
        fc_macs=fc_macs,
        pool_macs=pool_macs,
        elementwise_macs=elementwise_macs,
        **_int8_estimate(program),
    )


def _int8_estimate(program: Program) -> dict:
    if not program.float_model:
        return {}
    from .float_ops import int8_estimate

    arena, flash = int8_estimate(program)
    t = program.graph.tensors
    half = any(op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
               and t[op.inputs[1]].dtype == "float16" for op in program.ops)
    return {"float_model": True, "int8_arena_bytes": arena, "int8_flash_bytes": flash,
            "float16_weights": half}


_UNSUPPORTED_SUFFIX = " is not supported by the model compiler"
_OPS_LISTED = 6


def problems_text(problems) -> str:
    """Problems (``UnsupportedOp`` or ``program.Problem``) grouped: the unsupported op types
    once, each other reason once with the ops it applies to; the supported ops once at the end."""
    missing: dict[str, list[int]] = {}
    reasons: dict[str, list[str]] = {}
    for p in problems:
        if p.message.endswith(_UNSUPPORTED_SUFFIX):
            missing.setdefault(p.op, []).append(p.index)
        else:
            reasons.setdefault(p.message, []).append(f"#{p.index} {p.op}" if p.index >= 0 else p.op)
    parts = []
    if missing:
        listed = ", ".join(f"{op} (op {', '.join(f'#{i}' for i in idx[:_OPS_LISTED])}"
                           f"{', ...' if len(idx) > _OPS_LISTED else ''})"
                           for op, idx in missing.items())
        verb = "is" if len(missing) == 1 else "are"
        parts.append(f"{listed} {verb} not supported by the model compiler")
    for message, ops in reasons.items():
        more = f" and {len(ops) - _OPS_LISTED} more" if len(ops) > _OPS_LISTED else ""
        parts.append(f"{', '.join(ops[:_OPS_LISTED])}{more}: {message}")
    parts += [f"{op}: {hint}" for op, hint in op_hints(missing).items()]
    text = "; ".join(parts)
    if missing:
        text += f". Supported ops: {', '.join(SUPPORTED_OPS)}"
    return text


# What to do about an op the compiler does not run: the layer that usually produces it and the
# change that avoids it. Keyed by op name; "CUSTOM:Flex" covers every Flex op.
OP_HINTS = {
    "WHILE": "a rolled recurrent layer (a loop); build LSTM/GRU/SimpleRNN with unroll=True",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "build the LSTM layer with unroll=True",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "build the recurrent layer with unroll=True",
    "BIDIRECTIONAL_SEQUENCE_LSTM": "build each direction with unroll=True",
    "CUSTOM:Flex": "TensorFlow ops the converter could not lower to TFLite builtins (Flex); "
                   "replace the layer or convert with TFLITE_BUILTINS_INT8 only to see which",
}
_DYNAMIC_SHAPE_OPS = frozenset({"SHAPE", "FILL", "BROADCAST_TO", "RANGE", "BROADCAST_ARGS",
                                "ZEROS_LIKE", "ONES_LIKE", "REDUCE_PROD"})
_DYNAMIC_HINT = ("a shape computed at run time (a dynamic batch); convert with a fixed batch "
                 "of 1 (keras.Input(shape, batch_size=1))")


def op_hints(ops) -> dict[str, str]:
    """op name -> what to do, for the ops among ``ops`` that have a known remedy."""
    hints = {}
    for op in ops:
        if op in OP_HINTS:
            hints[op] = OP_HINTS[op]
        elif op.startswith("CUSTOM:Flex"):
            hints[op] = OP_HINTS["CUSTOM:Flex"]
        elif op in _DYNAMIC_SHAPE_OPS:
            hints[op] = _DYNAMIC_HINT
    return hints


def read_program(source: str | os.PathLike | bytes) -> tuple[Program, str]:
    """The model's program (ops, plan) and its display name; a corrupt file is a ModelError."""
    data, name = load_bytes(source)
    graph = read_graph(data, name)
    try:
        validate_graph(graph, name)
        return build_program(graph, name), name
    except ModelError:
        raise
    except Exception as exc:  # a corrupt but parseable flatbuffer: never a traceback
        raise ModelError(f"{name} is not a valid .tflite file: inconsistent graph "
                         f"({type(exc).__name__}: {exc})") from None


def analyze_tflite(source: str | os.PathLike | bytes) -> ModelSummary:
    """Summary and static memory plan of an int8 .tflite model (float models: summary only)."""
    return summarize_program(read_program(source)[0])
