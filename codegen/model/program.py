"""From a folded graph to a program: ops in order, each tensor's storage, the arena plan.

Reshape-like ops are aliases: their output shares the input's bytes, so a whole alias group is
one buffer to the planner. A group holding a model input lives in the caller's input buffer and
one holding a model output in the caller's output buffer (neither counts toward the arena).
"""
from __future__ import annotations

from dataclasses import dataclass

from .fold import BoundaryNote, fold_graph
from . import float_ops as F
from .ir import Graph, Op
from .opset import ALIAS_OPS, COMMON_KERNEL, OPS, PER_OP_CALL_BYTES, check_op, spec_for
from .opset_s16 import (S16_COMMON_KERNEL, S16_OPS, boundary_problem, in_place_shift, is_int16,
                        table_bytes)
from .inplace import max_output_shift
from .errors import ModelError
from .validate import check_arity, validate_arena, validate_ops
from .planner import ArenaPlan, Buffer, InPlace, plan_arena


@dataclass(frozen=True)
class Storage:
    kind: str  # "arena", "input", "output" or "const"
    offset: int = 0  # byte offset in the arena, for "arena"
    index: int = 0  # which model input/output, for "input"/"output"


@dataclass(frozen=True)
class Problem:
    """An op the compiler cannot handle (reported before any code is written)."""

    index: int
    op: str
    tensors: tuple[str, ...]
    message: str


@dataclass
class Program:
    graph: Graph
    ops: list[Op]
    notes: tuple[BoundaryNote, ...]
    storage: dict  # tensor index -> Storage
    plan: ArenaPlan
    problems: tuple[Problem, ...]
    copy_input_to_output: tuple[tuple[int, int], ...] = ()  # (input k, output k) alias groups
    float_model: bool = False  # float32 activations: the tms_*_f32 kernels (float_ops.py)

    def const_bytes(self) -> int:
        used = set()
        for op in self.ops:
            if op.name in ALIAS_OPS:
                continue
            for i in op.inputs:
                if i >= 0 and self.graph.tensors[i].is_const:
                    used.add(i)
        total = sum(self.graph.tensors[i].nbytes for i in used)
        if self.float_model:  # no requantization multipliers
            return total
        for op in self.ops:  # per-channel requantization multipliers and shifts
            if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
                out = self.graph.tensors[op.outputs[0]]
                total += 8 * out.shape[-1]
        return total + table_bytes(self.ops, self.graph)

    def kernels(self) -> list[str]:
        """Kernel stems the generated code includes (tms_common always; TANH needs LOGISTIC's)."""
        if self.float_model:
            return sorted({F.FLOAT_OPS[op.name].kernel for op in self.ops
                           if op.name in F.FLOAT_OPS and F.FLOAT_OPS[op.name].kernel})
        specs = [spec_for(op, self.graph) for op in self.ops]
        stems = {spec.kernel for spec in specs if spec is not None and spec.kernel}
        if "tms_tanh" in stems:
            stems.add("tms_logistic")  # tanh shares the activation params struct
        if any(stem.endswith("_s16") for stem in stems):
            stems.add(S16_COMMON_KERNEL[0])  # the int16x8 kernels' shared arithmetic
        return [COMMON_KERNEL[0]] + sorted(stems)

    def code_bytes_estimate(self, dsp: bool = True) -> int:
        """Code bytes of the kernels used; ``dsp`` False: as built for a core without the DSP
        extension (the MAC kernels' plain C path alone)."""
        if self.float_model:
            calls = sum(1 for op in self.ops if op.name not in ALIAS_OPS)
            return (sum(F.FLOAT_KERNEL_BYTES.get(s, 0) for s in self.kernels())
                    + F.FLOAT_PER_OP_CALL_BYTES * calls)
        by_stem = {spec.kernel: (spec.code_bytes if dsp or spec.plain_code_bytes is None
                                 else spec.plain_code_bytes)
                   for spec in (*OPS.values(), *S16_OPS.values()) if spec.kernel}
        by_stem[S16_COMMON_KERNEL[0]] = S16_COMMON_KERNEL[1]
        code = sum(by_stem[s] for s in self.kernels() if s in by_stem)
        if any(op.name in OPS and OPS[op.name].uses_common for op in self.ops):
            code += COMMON_KERNEL[1]
        calls = sum(1 for op in self.ops if op.name not in ALIAS_OPS)
        return code + PER_OP_CALL_BYTES * calls

    def flash_bytes(self, dsp: bool = True) -> int:
        return self.const_bytes() + self.code_bytes_estimate(dsp)


def build_program(graph: Graph, name: str = "the model") -> Program:
    graph, notes = fold_graph(graph)
    t = graph.tensors
    ops = list(graph.ops)
    float_model = F.is_float_model(graph)
    if float_model:
        ops = F.fold_half_weights(ops, graph)
        graph.ops = ops
    specs = OPS
    malformed = [f"op #{op.index} {op.name}: {why}" for op in ops
                 if op.name in specs and (why := check_arity(op, graph, specs[op.name].arity,
                                                            specs[op.name].outputs))]
    if malformed:
        raise ModelError(f"{name} is refused: {'; '.join(malformed[:8])}")
    problems = []
    for op in ops:
        why = F.check_float_op(op, graph) if float_model else check_op(op, graph)
        if why:
            names = tuple(t[i].name for i in (*op.inputs, *op.outputs) if i >= 0)
            problems.append(Problem(op.index, op.name, names, why))
    int16_io = boundary_problem(graph)
    if int16_io is not None:
        problems.append(Problem(-1, "MODEL", (), int16_io))
    for ti in list(graph.inputs) + list(graph.outputs):
        if float_model:
            if t[ti].dtype != "float32":
                problems.append(Problem(-1, "MODEL", (t[ti].name,),
                                        f"model input/output '{t[ti].name}' is {t[ti].dtype}: a "
                                        "float model has float32 inputs and outputs"))
            continue
        if t[ti].dtype not in ("int8", "int16") and not any(p.message.startswith("activations") for p in problems):
            problems.append(Problem(-1, "MODEL", (t[ti].name,),
                                    f"model input/output '{t[ti].name}' is {t[ti].dtype}: the "
                                    "model must be int8-quantized (full-integer post-training "
                                    "quantization)"))
        elif t[ti].dtype in ("int8", "int16") and (t[ti].quant is None or t[ti].quant.per_channel):
            problems.append(Problem(-1, "MODEL", (t[ti].name,),
                                    f"model input/output '{t[ti].name}' has no per-tensor {t[ti].dtype} "
                                    "quantization (scale and zero point)"))

    if not problems:  # a supported model: every op to emit is checked before any C exists
        if float_model:
            validate_ops(ops, graph, specs, name)
        else:
            validate_ops([op for op in ops if not is_int16(op, graph)], graph, OPS, name)
            validate_ops([op for op in ops if is_int16(op, graph)], graph, S16_OPS, name)

    # alias groups via union-find
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for op in ops:
        if op.name in ALIAS_OPS and op.inputs and op.outputs:
            a, b = find(op.inputs[0]), find(op.outputs[0])
            if a != b:
                parent[b] = a

    position = {}  # group -> [first, last]
    for ti in graph.inputs:
        position.setdefault(find(ti), [-1, -1])
    for pos, op in enumerate(ops):
        for ti in (*op.inputs, *op.outputs):
            if ti < 0 or t[ti].is_const:
                continue
            g = find(ti)
            span = position.setdefault(g, [pos, pos])
            span[0] = min(span[0], pos)
            span[1] = max(span[1], pos)
    for ti in graph.outputs:
        position.setdefault(find(ti), [len(ops), len(ops)])[1] = len(ops)

    external = {}
    copies = []
    for k, ti in enumerate(graph.inputs):
        external[find(ti)] = Storage("input", index=k)
    for k, ti in enumerate(graph.outputs):
        g = find(ti)
        if g in external and external[g].kind == "input":
            copies.append((external[g].index, k))
        else:
            external[g] = Storage("output", index=k)

    buffers = []
    members: dict = {}
    for ti, tensor in enumerate(t):
        if tensor.is_const:
            continue
        members.setdefault(find(ti), []).append(ti)
    for g, (first, last) in position.items():
        if g in external:
            continue
        size = max((t[m].nbytes for m in members.get(g, [g])), default=0)
        align = max((t[m].itemsize for m in members.get(g, [g])), default=1)
        buffers.append(Buffer(g, size, first, last, align))
    in_place = []
    planned = {b.key for b in buffers}
    for pos, op in enumerate(ops):
        if op.name in ALIAS_OPS or not op.outputs or problems:
            continue
        out_group = find(op.outputs[0])
        if out_group not in planned or position[out_group][0] != pos:
            continue
        for k, ti in enumerate(op.inputs):
            if ti < 0 or t[ti].is_const:
                continue
            g = find(ti)
            if g in planned and g != out_group and position[g][1] == pos:
                shift = in_place_shift(op, graph, k, max_output_shift)  # bytes, for any element size
                if shift is not None:
                    in_place.append(InPlace(g, out_group, shift))
    if not problems:
        validate_arena(sum(b.size_bytes for b in buffers), name)
    plan = plan_arena(buffers, in_place)

    storage = {}
    for ti, tensor in enumerate(t):
        if tensor.is_const:
            storage[ti] = Storage("const")
            continue
        g = find(ti)
        if g in external:
            storage[ti] = external[g]
        elif g in plan.offsets:
            storage[ti] = Storage("arena", offset=plan.offsets[g])
    return Program(graph, ops, notes, storage, plan, tuple(problems), tuple(copies), float_model)
