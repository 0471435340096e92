"""The int16x8 op table: every spec has its emitter and kernel pair, and ops pick their table by
the type of their activations."""
from __future__ import annotations

import numpy as np

from codegen.model.compiler import RUNTIME_DIR
from codegen.model.emit import CEmitter
from codegen.model.ir import Graph, Op, Quantization, Tensor
from codegen.model.opset import OPS, spec_for
from codegen.model.opset_s16 import S16_COMMON_KERNEL, S16_OPS, check_op_s16


def test_every_int16_spec_names_an_existing_emitter_and_kernel_pair():
    for spec in S16_OPS.values():
        if spec.alias:
            continue
        assert callable(getattr(CEmitter, spec.emitter, None)), spec.name
        for ext in (".c", ".h"):
            assert (RUNTIME_DIR / (spec.kernel + ext)).is_file(), spec.name
    for ext in (".c", ".h"):
        assert (RUNTIME_DIR / (S16_COMMON_KERNEL[0] + ext)).is_file()


def _add_graph(dtype: str, zero_point: int = 0) -> Graph:
    q = Quantization((0.01,), (zero_point,))
    tensors = [Tensor(i, f"t{i}", (1, 4), dtype, q) for i in range(3)]
    return Graph(tensors, [Op(0, "ADD", (0, 1), (2,))], (0, 1), (2,))


def test_an_op_on_int16_activations_takes_the_int16_spec():
    assert spec_for(_add_graph("int16").ops[0], _add_graph("int16")) is S16_OPS["ADD"]
    assert spec_for(_add_graph("int8").ops[0], _add_graph("int8")) is OPS["ADD"]


def test_int16_activation_with_a_zero_point_is_refused():
    g = _add_graph("int16", zero_point=3)
    assert "zero point 0" in check_op_s16(g.ops[0], g)


def test_int16x8_conv_needs_an_int64_bias():
    q = Quantization((0.01,), (0,))
    w = Tensor(1, "w", (2, 1, 1, 3), "int8", Quantization((0.1,), (0,)), np.ones((2, 1, 1, 3), np.int8))
    b = Tensor(2, "b", (2,), "int32", Quantization((0.001,), (0,)), np.zeros(2, np.int32))
    tensors = [Tensor(0, "x", (1, 4, 4, 3), "int16", q), w, b, Tensor(3, "y", (1, 4, 4, 2), "int16", q)]
    g = Graph(tensors, [Op(0, "CONV_2D", (0, 1, 2), (3,), {"padding": "VALID"})], (0,), (3,))
    assert "int64" in check_op_s16(g.ops[0], g)
