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
