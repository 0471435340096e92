"""Reductions on any rank, the element-wise MAXIMUM/MINIMUM and the table-driven unary ops
(HARD_SWISH, standalone RELU/RELU6/RELU_N1_TO_1) are bit-exact with TFLite Micro (RELU_N1_TO_1,
which TFLM has no kernel for, with TFLite's reference kernels).

Each example converts a small int8 model from TensorFlow with a fixed batch of 1 (a tf.function
with a static signature: no SHAPE/PACK subgraphs) and compiles C; hypothesis picks shapes, axes and
ranges (few derandomized examples).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.compiler import load_program
from tests.codegen.model.bitexact import fn_int8_tflite, keras, run_both, tflite_reference, to_int8_tflite

pytestmark = pytest.mark.slow

FEW = settings(max_examples=4, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _ops(tflite: bytes) -> set[str]:
    program, _ = load_program(tflite)
    return {op.name for op in program.graph.ops}


def _assert_exact(tflite: bytes, op: str) -> None:
    assert op in _ops(tflite), f"the converter did not emit {op}: {_ops(tflite)}"
    ours, ref, _ = run_both(tflite, 32)
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours.astype(int) - ref.astype(int)).max()}"
    assert len(np.unique(ref)) > 1, "degenerate reference output"


def _shape_and_axes(draw, max_rank=3):  # + the batch dim: rank <= 4
    rank = draw(st.integers(1, max_rank))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    axes = sorted(draw(st.sets(st.integers(0, rank - 1), min_size=1, max_size=rank)))
    return shape, axes


@st.composite
def reductions(draw):
    shape, axes = _shape_and_axes(draw)
    return shape, axes, draw(st.booleans())


@FEW
@given(case=reductions(), scale=st.sampled_from([0.5, 1.0, 4.0]))
def test_mean_on_any_rank_and_axes_matches_tflm(case, scale):
    import tensorflow as tf

    shape, axes, keep = case
    if all(shape[a] == 1 for a in axes):
        shape = tuple(d if i != axes[0] else 3 for i, d in enumerate(shape))
    tflite = fn_int8_tflite(lambda x: tf.reduce_mean(x * 1.5, axis=[a + 1 for a in axes], keepdims=keep),
                            shape, -scale, scale)
    _assert_exact(tflite, "MEAN")


@FEW
@given(case=reductions())
def test_sum_on_any_rank_and_axes_matches_tflm(case):
    import tensorflow as tf

    shape, axes, keep = case
    if all(shape[a] == 1 for a in axes):
        shape = tuple(d if i != axes[0] else 3 for i, d in enumerate(shape))
    _assert_exact(fn_int8_tflite(lambda x: tf.reduce_sum(x, axis=[a + 1 for a in axes], keepdims=keep),
                                 shape), "SUM")


@FEW
@given(case=reductions(), op=st.sampled_from(["REDUCE_MAX", "REDUCE_MIN"]))
def test_reduce_max_and_min_on_any_rank_match_tflm(case, op):
    import tensorflow as tf

    shape, axes, keep = case
    if all(shape[a] == 1 for a in axes):
        shape = tuple(d if i != axes[0] else 3 for i, d in enumerate(shape))
    fn = tf.reduce_max if op == "REDUCE_MAX" else tf.reduce_min
    _assert_exact(fn_int8_tflite(lambda x: fn(x, axis=[a + 1 for a in axes], keepdims=keep), shape), op)


def test_conv1d_global_average_pooling_head_compiles_and_matches_tflm():
    """The issue's case: Conv1D -> GlobalAveragePooling1D (a 3-D MEAN) was refused."""
    k = keras()
    x = k.Input((32, 3))
    y = k.layers.GlobalAveragePooling1D()(k.layers.Conv1D(8, 3, activation="relu")(x))
    y = k.layers.Dense(4)(y)
    _assert_exact(to_int8_tflite(k.Model(x, y), (32, 3)), "MEAN")


def test_conv1d_global_max_pooling_head_matches_tflm():
    k = keras()
    x = k.Input((32, 3))
    y = k.layers.GlobalMaxPooling1D()(k.layers.Conv1D(8, 3)(x))
    _assert_exact(to_int8_tflite(k.Model(x, y), (32, 3)), "REDUCE_MAX")


@FEW
@given(op=st.sampled_from(["MAXIMUM", "MINIMUM"]),
       shapes=st.sampled_from([((4, 6), (4, 6)), ((3, 4, 6), (1, 1, 6)), ((3, 4, 5), (3, 1, 5))]))
def test_maximum_and_minimum_with_broadcast_match_tflm(op, shapes):
    import tensorflow as tf

    a_shape, b_shape = shapes
    n = int(np.prod(b_shape))
    rng = np.random.default_rng(1)
    b = tf.constant(rng.uniform(-1, 1, (1, *b_shape)).astype(np.float32))
    fn = tf.maximum if op == "MAXIMUM" else tf.minimum
    del n
    _assert_exact(fn_int8_tflite(lambda x: fn(x * 0.5, b * 0.5), a_shape), op)


@FEW
@given(scale=st.sampled_from([0.2, 1.0, 3.0, 8.0, 40.0]), offset=st.sampled_from([0.0, 2.0, -2.5]))
def test_hard_swish_matches_tflm_over_input_ranges(scale, offset):
    k = keras()
    x = k.Input((64,))
    y = k.layers.Activation("hard_swish")(x)
    _assert_exact(to_int8_tflite(k.Model(x, y), (64,), low=offset - scale, high=offset + scale),
                  "HARD_SWISH")


@pytest.mark.parametrize("op", ["RELU", "RELU6"])
@pytest.mark.parametrize("low,high", [(-3.0, 3.0), (-10.0, 12.0), (-10.0, 2.0), (0.5, 9.0)])
def test_standalone_relu_and_relu6_match_tflm(op, low, high):
    import tensorflow as tf

    fn = tf.nn.relu if op == "RELU" else tf.nn.relu6
    _assert_exact(fn_int8_tflite(lambda x: fn(x), (40,), low, high), op)


def _assert_matches_tflite_reference(tflite: bytes, op: str) -> None:
    import tempfile
    from pathlib import Path

    from codegen.model.compiler import generate_sources
    from codegen.model.verify import build_host_runner, run_host

    assert op in _ops(tflite)
    program, _ = load_program(tflite)
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, size=(16, 40)).astype(np.int8)
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_host_runner(generate_sources(program, "m"), Path(tmp))
        ours = run_host(exe, x, 40)
    ref = tflite_reference(tflite, x)
    assert np.array_equal(ours, ref)
    assert len(np.unique(ref)) > 1


@pytest.mark.parametrize("low,high", [(-3.0, 3.0), (-0.5, 0.8)])
def test_standalone_relu_n1_to_1_matches_the_tflite_reference(low, high):
    import tensorflow as tf

    tflite = fn_int8_tflite(lambda x: tf.clip_by_value(x, -1.0, 1.0), (40,), low, high)
    _assert_matches_tflite_reference(tflite, "RELU_N1_TO_1")


def test_reduce_max_with_requantized_output_is_refused_with_the_op_named():
    from codegen.model.opset import check_op
    import tensorflow as tf

    tflite = fn_int8_tflite(lambda x: tf.reduce_max(x, axis=[1]), (4, 6))
    program, _ = load_program(tflite)
    op = next(o for o in program.graph.ops if o.name == "REDUCE_MAX")
    out = program.graph.tensors[op.outputs[0]]
    import dataclasses
    program.graph.tensors[op.outputs[0]] = dataclasses.replace(
        out, quant=dataclasses.replace(out.quant, scales=(out.quant.scale * 2,)))
    assert "share the input's scale" in check_op(op, program.graph)
