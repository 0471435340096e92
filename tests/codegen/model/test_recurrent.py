"""Keras 3 recurrent layers (LSTM, GRU, SimpleRNN, unrolled) compile to int8 C that matches
TFLite Micro bit for bit, every output.

With Keras' default dynamic batch the converter emits SHAPE -> STRIDED_SLICE -> PACK -> FILL for
the zero initial state, which TFLM cannot prepare ("Non-constant dims tensor"); the compiler
folds it (batch = 1). The reference is then TFLM running the same file with those computed
tensors stored as constants (``with_folded_constants``: weights and quantization untouched).
A fixed batch of 1 exports DEQUANTIZE -> SPLIT -> QUANTIZE sandwiches, which the compiler runs as
an int8 SPLIT; TFLM runs that file as it is.
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.model.compiler import load_program
from tests.codegen.model.bitexact import (keras, random_rows, reference_rows, run_ours,
                                          to_int8_tflite, with_folded_constants)

pytestmark = pytest.mark.slow

STEPS, FEATURES = 10, 3


def _ops(tflite: bytes) -> set[str]:
    return {op.name for op in load_program(tflite)[0].graph.ops}


def _model(kind: str, batch, units=12, stacked=True, state=False):
    k = keras()
    k.utils.set_random_seed(7)
    layer = getattr(k.layers, kind)
    x = k.Input((STEPS, FEATURES), batch_size=batch)
    y = x
    if stacked:
        y = layer(units, unroll=True, return_sequences=True)(y)
    if state:
        outs = layer(8, unroll=True, return_sequences=True, return_state=True)(y)
        return k.Model(x, list(outs))
    y = layer(8, unroll=True)(y)
    return k.Model(x, k.layers.Dense(4)(y))


def _assert_exact_with_tflm(tflite: bytes) -> None:
    x = random_rows(tflite, 32)
    ours = run_ours(tflite, x)
    ref, which = reference_rows(with_folded_constants(tflite), x)
    assert which == "tflm"
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours.astype(int) - ref.astype(int)).max()}"
    assert len(np.unique(ref)) > 8, "degenerate reference output"


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_stacked_recurrent_layers_with_dynamic_batch_match_tflm(kind):
    tflite = to_int8_tflite(_model(kind, None), (STEPS, FEATURES))
    assert {"FILL", "PACK"} & {op["op_name"] for op in _raw_ops(tflite)}, "no state subgraph to fold"
    assert "UNPACK" in _ops(tflite) and "FILL" not in _ops(tflite)
    _assert_exact_with_tflm(tflite)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_recurrent_layers_with_a_fixed_batch_of_one_match_tflm(kind):
    tflite = to_int8_tflite(_model(kind, 1, stacked=False, units=16), (STEPS, FEATURES))
    assert "DEQUANTIZE" not in _ops(tflite)
    _assert_exact_with_tflm(tflite)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_sequences_and_final_states_all_match_tflm(kind):
    tflite = to_int8_tflite(_model(kind, None, stacked=False, state=True), (STEPS, FEATURES))
    assert len(load_program(tflite)[0].graph.outputs) == (3 if kind == "LSTM" else 2)
    assert "PACK" in _ops(tflite)
    _assert_exact_with_tflm(tflite)


def _raw_ops(tflite: bytes):
    import tensorflow as tf

    return tf.lite.Interpreter(model_content=tflite)._get_ops_details()


def test_verify_model_checks_a_recurrent_model_tflm_cannot_prepare_on_its_folded_shapes(tmp_path):
    """verify-model (the user's check) gives TFLM the model with its compile-time shapes stored, as
    the compiler compiled it, instead of failing on FILL with computed dims."""
    from codegen.model.verify import FOLDED_TFLM, verify_model

    path = tmp_path / "lstm.tflite"
    path.write_bytes(to_int8_tflite(_model("LSTM", None, units=8, stacked=False), (10, 3)))
    report = verify_model(path, samples=24)
    assert report.reference == FOLDED_TFLM
    assert report.ok and report.max_abs_diff == 0
