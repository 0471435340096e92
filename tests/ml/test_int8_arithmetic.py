"""The firmware's input quantization and output dequantization, reproduced on the host."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.ml.pipeline import dequantize_int8, quantize_int8, round_half_away_from_zero


def test_ties_round_half_away_from_zero_not_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], np.float32)
    np.testing.assert_array_equal(quantize_int8(x, 1.0, 0), [1, 2, 3, -1, -2, -3])


def test_ties_are_taken_after_the_float32_division_by_scale():
    # 0.25 / 0.5 = 0.5 exactly: a tie that goes up; the zero point is added after rounding
    np.testing.assert_array_equal(quantize_int8(np.float32([0.25, -0.25]), 0.5, -10), [-9, -11])


def test_the_float32_just_below_one_half_rounds_down():
    below = np.nextafter(np.float32(0.5), np.float32(0.0))
    assert round_half_away_from_zero(np.float32([below, -below])).tolist() == [0.0, -0.0]


def test_values_outside_the_int8_range_clamp_to_its_ends():
    np.testing.assert_array_equal(quantize_int8(np.float32([1e9, -1e9, 200.0, -200.0]), 1.0, 3),
                                  [127, -128, 127, -128])


def test_nan_quantizes_to_the_zero_point():
    assert quantize_int8(np.float32([np.nan]), 0.1, 7).tolist() == [7]


def test_dequantize_is_scale_times_q_minus_zero_point_in_float32():
    got = dequantize_int8(np.int8([-128, 0, 127]), 0.00390625, -128)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.float32([0.0, 0.5, 0.99609375]))


def test_division_differs_from_multiplying_by_the_reciprocal_and_division_is_used():
    # why the firmware divides: for some values x/scale and x*(1/scale) round to different integers
    scale = np.float32(0.1)
    k = np.arange(-120, 120)  # away from the clamp at the ends
    ties = ((k + 0.5) * np.float64(scale)).astype(np.float32)
    x = np.concatenate([ties, np.nextafter(ties, np.float32(np.inf)), np.nextafter(ties, np.float32(-np.inf))])
    by_division = round_half_away_from_zero(x / scale)
    by_reciprocal = round_half_away_from_zero(x * (np.float32(1.0) / scale))
    differ = np.flatnonzero(by_division != by_reciprocal)
    assert differ.size > 0
    np.testing.assert_array_equal(quantize_int8(x[differ], scale, 0), by_division[differ].astype(np.int8))


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-100.0, 100.0, width=32), scale=st.floats(0.015625, 2.0, width=32),
       zero_point=st.integers(-128, 127))
def test_quantize_then_dequantize_is_within_half_a_step_inside_the_range(x, scale, zero_point):
    q = int(quantize_int8(np.float32([x]), scale, zero_point)[0])
    if -128 < q < 127:  # not clamped
        back = float(dequantize_int8(np.int8([q]), scale, zero_point)[0])
        assert abs(back - x) <= scale / 2 * (1 + 1e-5)


@settings(max_examples=300, deadline=None)
@given(r=st.floats(-1000.0, 1000.0, width=32))
def test_rounding_matches_python_decimal_half_up_on_the_magnitude(r):
    from decimal import ROUND_HALF_UP, Decimal

    want = float(Decimal(float(abs(r))).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * (1 if r >= 0 else -1)
    assert round_half_away_from_zero(np.float32([r]))[0] == want
