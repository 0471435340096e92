"""Offline quantization arithmetic reproduces TFLite's Prepare() numbers."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.model import quant as Q

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)


@SETTINGS
@given(st.floats(min_value=1e-9, max_value=1e6, allow_nan=False))
def test_quantize_multiplier_represents_the_real_value(real):
    q, shift = Q.quantize_multiplier(real)
    assert (1 << 30) <= q < (1 << 31)
    assert math.isclose(q * 2.0 ** (shift - 31), real, rel_tol=2 ** -30)


def test_quantize_multiplier_of_zero_is_zero():
    assert Q.quantize_multiplier(0.0) == (0, 0)


def test_quantize_multiplier_flushes_tiny_values_to_zero():
    assert Q.quantize_multiplier(2.0 ** -40) == (0, 0)


def test_quantize_multiplier_rounds_up_to_next_power_of_two():
    # q rounds to 2^31 exactly: the reference halves it and bumps the shift
    q, shift = Q.quantize_multiplier(1.0 - 2.0 ** -40)
    assert (q, shift) == (1 << 30, 1)


def test_relu6_range_uses_zero_point_and_scale():
    assert Q.activation_range("RELU6", 6.0 / 255.0, -128) == (-128, 127)
    assert Q.activation_range("RELU", 0.1, 5) == (5, 127)
    assert Q.activation_range("NONE", 0.1, 5) == (-128, 127)


def test_same_padding_puts_the_odd_pixel_after():
    out = Q.out_size("SAME", 10, 4, 2, 1)
    assert out == 5
    assert Q.padding_offset(2, 1, 10, 4, out) == 1


def test_softmax_diff_min_is_negative_radius():
    mult, shift, diff_min = Q.softmax_params(1.0, 0.1)
    assert mult >= 1 << 30 and shift >= 0 and diff_min < 0
