"""Offline arithmetic of the int16x8 kernels: what TFLite Micro's Prepare() computes for int16.

int16x8 is TFLite's 16-bit activation mode (int16 activations with zero point 0, int8 symmetric
weights, int64 biases). Each function names the TFLM/TFLite code it reproduces; float-typed
steps are done in float32 on purpose, like the C++.
"""
from __future__ import annotations

import math

import numpy as np

from . import quant as Q
from .quant import _round_away, f32, quantize_multiplier

INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
LUT_STEPS = 512
MAX_ACC_ABS = 1 << 47  # MultiplyByQuantizedMultiplier(int64_t, ...)'s input range


def activation_range(activation: str, scale: float, zero_point: int) -> tuple[int, int]:
    """tflite::CalculateActivationRangeQuantized for int16."""
    return Q.activation_range(activation, scale, zero_point, INT16_MIN, INT16_MAX)


def add_params(s1: float, s2: float, so: float) -> dict:
    """CalculateOpDataAdd for int16 output: left shift 15, double ratios."""
    left_shift = 15
    twice_max = 2.0 * max(f32(s1), f32(s2))
    m1, sh1 = quantize_multiplier(f32(s1) / twice_max)
    m2, sh2 = quantize_multiplier(f32(s2) / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * f32(so)))
    return dict(left_shift=left_shift, in1_multiplier=m1, in1_shift=sh1, in2_multiplier=m2,
                in2_shift=sh2, out_multiplier=mo, out_shift=sho)


def softmax_params(beta: float, input_scale: float) -> tuple[int, int]:
    """CalculateSoftmaxParams for int16: rescale the difference so [-65535, 0] is [-10, 0]."""
    return quantize_multiplier(f32(input_scale) * f32(beta) / (10.0 / 65535.0))


def _expf(x: np.float32) -> np.float32:
    # float32 exp as the C library computes it (correctly rounded here; glibc's expf is too for
    # the values the softmax tables sample, which the TFLM tests confirm)
    return np.float32(math.exp(float(x)))


def _round(x: np.float32) -> np.float32:
    return np.float32(_round_away(float(x)))


def lut_int16(input_scale: float, input_zero_point: int, output_scale: float,
              output_zero_point: int, transform) -> np.ndarray:
    """TFLite LUTPopulate<int16_t> (detail::LUTPopulateInt16<float>): 513 entries, each sample
    nudged by half the interpolation error at the interval's midpoint. All in float32."""
    F = np.float32
    in_scale, out_scale = F(input_scale), F(output_scale)
    input_min = in_scale * F(INT16_MIN - input_zero_point)
    input_max = in_scale * F(INT16_MAX - input_zero_point)
    output_min = out_scale * F(INT16_MIN - output_zero_point)
    output_max = out_scale * F(INT16_MAX - output_zero_point)
    step = (input_max - input_min) / F(LUT_STEPS)
    half_step = step / F(2)
    inv = F(INT16_MAX - INT16_MIN + 1) / (output_max - output_min)
    lo, hi = F(INT16_MIN), F(INT16_MAX)
    table = np.zeros(LUT_STEPS + 1, dtype=np.int16)
    for i in range(LUT_STEPS):
        x = input_min + F(i) * step
        val = transform(x)
        mid = transform(x + half_step)
        nxt = transform(input_min + F(i + 1) * step)
        sample = _round(val * inv)
        mid_interp = _round((nxt * inv + _round(val * inv)) / F(2))
        mid_val = _round(mid * inv)
        bias = _round((mid_interp - mid_val) / F(2))
        table[i] = int(min(max(sample - bias, lo), hi))
    table[LUT_STEPS] = int(min(max(_round(transform(input_max) * inv), lo), hi))
    return table


def softmax_tables() -> tuple[np.ndarray, np.ndarray]:
    """The exp and 1/(1+x) tables SOFTMAX's int16 Prepare populates (fixed ranges)."""
    F = np.float32
    rng = INT16_MAX - INT16_MIN
    exp_lut = lut_int16(F(10.0) / F(rng), INT16_MAX, F(2.0) / F(rng), 0, _expf)
    recip = lut_int16(F(1.0) / F(rng), INT16_MIN, F(2.0) / F(rng), 0,
                      lambda v: F(1.0) / (F(1.0) + v))
    return exp_lut, recip


def sigmoid_table() -> np.ndarray:
    """The 256-entry table TFLite's int16 LOGISTIC and TANH interpolate: sigmoid(i/24) in 0.16
    format, each entry nudged by half the linear-interpolation error at the interval's midpoint
    (the same correction LUTPopulate applies), the last entry the saturation value 65535."""
    def s(x: float) -> float:
        return 65536.0 / (1.0 + math.exp(-x / 24.0))

    table = np.zeros(256, dtype=np.uint16)
    for i in range(255):
        bias = ((s(i + 1) + s(i)) / 2 - s(i + 0.5)) / 2
        table[i] = min(65535, int(_round_away(s(i) - bias)))
    table[255] = 65535
    return table


def checked_log2(x: float) -> tuple[int, bool]:
    """tflite::CheckedLog2 in float32: (rounded log2, whether x is a power of two within 1e-3)."""
    F = np.float32
    x_log2 = F(math.log(F(x))) * (F(1.0) / F(math.log(F(2.0))))
    rounded = F(_round_away(float(x_log2)))
    return int(rounded), abs(float(x_log2 - rounded)) < 1e-3


def sigmoid_params(input_scale: float, tanh: bool) -> tuple[int, int]:
    """LOGISTIC/TANH int16 Prepare plus the kernel's power-of-two rewrite: (multiplier, right
    shift) taking the input to units of 1/(3*4096)."""
    log2, pot = checked_log2(input_scale)
    shift = (15 - 3) + log2
    pot = pot and (shift in (0, 1) if tanh else shift == 0)
    if pot:
        return 3 << shift, 0
    multiplier = float(f32(input_scale)) * 4096.0 * 3.0
    shift = 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    return int(multiplier), shift


def relu6_top(input_scale: float) -> int:
    """RELU6 int16 Prepare: FloatToQuantizedType<int16_t>(6.0f, scale, 0)."""
    return max(INT16_MIN, min(INT16_MAX, int(_round_away(float(np.float32(6.0) / np.float32(input_scale))))))
