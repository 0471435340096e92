"""Quantization parameters the converter rarely produces, bit-exact with TFLite Micro.

One small model per op is converted once; hypothesis then rewrites the scales and zero points
inside the flatbuffer (the schema reader's numpy views write through to the bytes) and every
variant is compiled and compared.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.schema import tflite_schema
from tests.codegen.model.bitexact import keras, run_both, to_int8_tflite

pytestmark = pytest.mark.slow

FEW = settings(max_examples=5, deadline=None, derandomize=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
SCALES = st.floats(min_value=-3.5, max_value=0.5).map(lambda e: float(np.float32(10 ** e)))
ZERO_POINTS = st.integers(-128, 127)

_cache: dict = {}


def _base(kind: str) -> bytes:
    if kind not in _cache:
        k = keras()
        L = k.layers
        if kind in ("add", "sub", "mul"):
            from tests.codegen.model.test_ops_bitexact import _two_input_tflite

            layer = {"add": L.Add(), "sub": L.Subtract(), "mul": L.Multiply()}[kind]
            _cache[kind] = _two_input_tflite(layer, (64,), (64,))
        elif kind in ("conv", "depthwise", "dense", "mean"):
            shape = (30,) if kind == "dense" else (6, 6, 3)
            x = k.Input(shape)
            y = {"conv": lambda: L.Conv2D(4, 3, padding="same", bias_initializer="random_normal"),
                 "depthwise": lambda: L.DepthwiseConv2D(3, padding="same",
                                                        bias_initializer="random_normal"),
                 "dense": lambda: L.Dense(9, bias_initializer="random_normal"),
                 "mean": L.GlobalAveragePooling2D}[kind]()(x)
            _cache[kind] = to_int8_tflite(k.Model(x, y), shape)
        else:
            x = k.Input((40,))
            y = {"softmax": L.Softmax(), "logistic": L.Activation("sigmoid"),
                 "tanh": L.Activation("tanh")}[kind](x)
            _cache[kind] = to_int8_tflite(k.Model(x, y), (40,))
    return _cache[kind]


def _patched(kind: str, params) -> bytes:
    blob = bytearray(_base(kind))
    sg = tflite_schema().Model.GetRootAs(blob, 0).Subgraphs(0)
    op = sg.Operators(0)
    if kind in ("conv", "depthwise", "dense", "mean"):  # activation in and out only
        tensors = [op.Inputs(0), op.Outputs(0)]
    else:
        tensors = [op.Inputs(i) for i in range(op.InputsLength())] + [op.Outputs(0)]
    for ti, (scale, zp) in zip(tensors, params):
        q = sg.Tensors(ti).Quantization()
        q.ScaleAsNumpy()[:] = scale
        q.ZeroPointAsNumpy()[:] = zp
    return bytes(blob)


def _max_diff(blob: bytes) -> int:
    ours, ref, _ = run_both(blob, 16)
    return int(np.abs(ours.astype(np.int32) - ref.astype(np.int32)).max())


@pytest.mark.parametrize("kind", ["add", "sub", "mul"])
@FEW
@given(params=st.lists(st.tuples(SCALES, ZERO_POINTS), min_size=3, max_size=3))
def test_binary_ops_with_any_scales_match_tflm(kind, params):
    assert _max_diff(_patched(kind, params)) == 0


@pytest.mark.parametrize("kind", ["softmax", "logistic", "tanh"])
@FEW
@given(scale=SCALES, zp=ZERO_POINTS)
def test_softmax_logistic_tanh_with_any_input_scale_within_one_lsb(kind, scale, zp):
    assert _max_diff(_patched(kind, [(scale, zp)])) <= 1


@pytest.mark.parametrize("kind", ["conv", "depthwise", "dense", "mean"])
@FEW
@given(params=st.lists(st.tuples(SCALES, ZERO_POINTS), min_size=2, max_size=2))
def test_rescaling_ops_with_any_activation_scales_match_tflm(kind, params):
    # multipliers above one (left shifts) and far below one both occur here
    assert _max_diff(_patched(kind, params)) == 0
