"""RSQRT (a table), SQUARED_DIFFERENCE, BATCH_MATMUL and RESIZE_BILINEAR are bit-exact with TFLite
Micro; ZEROS_LIKE and FILL are folded at compile time.

Each example converts a small int8 tf.function with a static batch of 1; hypothesis picks shapes
and input ranges (few derandomized examples, as the other op tests).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.compiler import load_program
from tests.codegen.model.bitexact import fn_int8_tflite, run_both

pytestmark = pytest.mark.slow

FEW = settings(max_examples=4, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _ops(tflite: bytes) -> set[str]:
    program, _ = load_program(tflite)
    return {op.name for op in program.graph.ops}


def _assert_exact(tflite: bytes, op: str, min_unique: int = 2) -> None:
    assert op in _ops(tflite), f"the converter did not emit {op}: {_ops(tflite)}"
    ours, ref, _ = run_both(tflite, 32)
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours.astype(int) - ref.astype(int)).max()}"
    assert len(np.unique(ref)) >= min_unique, "degenerate reference output"


@FEW
@given(low=st.sampled_from([0.01, 0.2, 1.0]), span=st.sampled_from([0.5, 3.0, 40.0]))
def test_rsqrt_table_matches_tflm_over_positive_ranges(low, span):
    import tensorflow as tf

    _assert_exact(fn_int8_tflite(lambda x: tf.math.rsqrt(x), (48,), low, low + span), "RSQRT")


def test_rsqrt_of_an_input_below_zero_gives_the_zero_value_not_a_read_outside_the_table():
    from codegen.model.lut import rsqrt_table

    table = rsqrt_table(0.05, -10, 0.02, -128)
    assert table.shape == (256,)
    assert (table[: 128 - 10 + 1] == 127).all()  # inputs <= zero point: TFLM's value for 0


@FEW
@given(shapes=st.sampled_from([((6, 8), (6, 8)), ((3, 4, 5), (1, 1, 5)), ((4, 6), (1, 6))]),
       scale=st.sampled_from([0.3, 1.0, 6.0]))
def test_squared_difference_with_broadcast_matches_tflm(shapes, scale):
    import tensorflow as tf

    a_shape, b_shape = shapes
    b = tf.constant(np.random.default_rng(2).uniform(-scale, scale, (1, *b_shape)).astype(np.float32))
    # b enters as an activation (x * 0 + b), like the mean it is in a layer norm
    _assert_exact(fn_int8_tflite(lambda x: tf.math.squared_difference(x, x[..., :1] * 0.5 + b),
                                 a_shape, -scale, scale), "SQUARED_DIFFERENCE")


@FEW
@given(dims=st.sampled_from([(1, 4, 6, 5), (2, 3, 8, 4), (4, 5, 3, 7)]),
       adj=st.sampled_from([(False, False), (False, True), (True, False), (True, True)]))
def test_batch_matmul_of_two_activations_matches_tflm(dims, adj):
    import tensorflow as tf

    b, m, k, n = dims
    adj_x, adj_y = adj

    def fn(x):  # x: (1, b, m + n, k) -> lhs (b, m, k) times the other part transposed
        lhs, other = x[:, :, :m, :], x[:, :, m:, :] * 0.7
        lhs = tf.transpose(lhs, (0, 1, 3, 2)) if adj_x else lhs
        rhs = other if adj_y else tf.transpose(other, (0, 1, 3, 2))
        return tf.linalg.matmul(lhs, rhs, transpose_a=adj_x, transpose_b=adj_y)

    _assert_exact(fn_int8_tflite(fn, (b, m + n, k)), "BATCH_MATMUL", min_unique=8)


@pytest.mark.parametrize("mode", ["half_pixel", "align_corners", "plain"])
@FEW
@given(in_hw=st.sampled_from([(3, 4), (5, 5), (4, 7)]),
       out_hw=st.sampled_from([(6, 8), (9, 5), (2, 3), (8, 13)]))
def test_resize_bilinear_matches_tflm_in_every_mode(mode, in_hw, out_hw):
    import tensorflow as tf

    def fn(x):
        return tf.compat.v1.image.resize_bilinear(x, out_hw, align_corners=mode == "align_corners",
                                                  half_pixel_centers=mode == "half_pixel")

    _assert_exact(fn_int8_tflite(fn, (*in_hw, 3)), "RESIZE_BILINEAR", min_unique=8)


def _dynamic_batch_int8(fn, features: int) -> bytes:
    """An int8 model of a tf.function traced with a dynamic batch (None, features)."""
    import tensorflow as tf

    from tests.codegen.model.bitexact import _int8

    concrete = tf.function(fn, input_signature=[tf.TensorSpec((None, features), tf.float32)])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete.get_concrete_function()],
                                                           trackable_obj=None)
    return _int8(conv, (features,), True, 0, -1.0, 1.0)


@FEW
@given(value=st.sampled_from([0.25, -0.6, 1.5]))
def test_fill_with_computed_dims_is_folded_and_matches_tflm_on_the_folded_file(value):
    import tensorflow as tf

    from tests.codegen.model.bitexact import (random_rows, reference_rows, run_ours,
                                              with_folded_constants)

    tflite = _dynamic_batch_int8(lambda x: x + tf.fill(tf.shape(x), value), 8)
    raw = {d["op_name"] for d in tf.lite.Interpreter(model_content=tflite)._get_ops_details()}
    assert {"SHAPE", "FILL"} <= raw and not {"SHAPE", "FILL"} & _ops(tflite)
    x = random_rows(tflite, 32)
    ref, which = reference_rows(with_folded_constants(tflite), x)
    assert which == "tflm"
    assert np.array_equal(run_ours(tflite, x), ref)


def test_zeros_like_of_a_static_shape_folds_to_raw_zeros():
    from codegen.model.fold import fold_graph
    from codegen.model.ir import Graph, Op, Quantization, Tensor

    q = Quantization((0.1,), (-5,))
    tensors = [Tensor(0, "x", (1, 3, 4), "int8", q), Tensor(1, "z", (1, 3, 4), "int8", q),
               Tensor(2, "y", (1, 3, 4), "int8", q)]
    ops = [Op(0, "ZEROS_LIKE", (0,), (1,)), Op(1, "MAXIMUM", (0, 1), (2,))]
    folded, _ = fold_graph(Graph(tensors, ops, (0,), (2,)))
    assert [op.name for op in folded.ops] == ["MAXIMUM"]
    z = folded.tensors[1]
    assert z.is_const and z.data.shape == (1, 3, 4) and z.data.dtype == np.int8 and not z.data.any()


@FEW
@given(shape=st.sampled_from([(3, 4), (2, 3, 2), (4, 1, 5)]), reps=st.integers(1, 3))
def test_tile_moves_values_exactly_like_tflite(shape, reps):
    """TILE (Keras 3's nearest UpSampling2D) is pure data movement; neither TFLM nor BUILTIN_REF
    has TILE v3, so TFLite's default kernel is the reference (no arithmetic to differ)."""
    import tensorflow as tf

    from tests.codegen.model.bitexact import random_rows, reference_rows, run_ours

    multiples = [1] + [reps if k % 2 == 0 else 2 for k in range(len(shape))]
    tflite = fn_int8_tflite(lambda x: tf.tile(x, multiples), shape)
    assert "TILE" in _ops(tflite)
    x = random_rows(tflite, 16)
    ref, which = reference_rows(tflite, x)
    assert which == "builtin"
    assert np.array_equal(run_ours(tflite, x), ref)
