"""Unary int8 ops as 256-entry tables: TFLite Micro's integer arithmetic for each op, run in Python
on every possible input byte at compile time.

An int8 op with one input and a fixed quantization is a function of one byte, so the device needs
only ``out = table[in]`` (``tms_lut.c``): exact by construction wherever the Python here is exact,
256 bytes of flash per op, and memory-safe for every input. Each table function names the TFLM
kernel (and its Prepare) it reproduces; tests/codegen/model/test_ops_lut.py holds them to the TFLM
interpreter.
"""
from __future__ import annotations

import numpy as np

from .quant import _round_away, f32, quantize_multiplier, quantize_value

INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INPUTS = np.arange(-128, 128, dtype=np.int64)


def _trunc_div(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def srdhm32(a: int, b: int) -> int:
    """gemmlowp::SaturatingRoundingDoublingHighMul on int32."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return _trunc_div(ab + nudge, 1 << 31)


def srdhm16(a: int, b: int) -> int:
    """gemmlowp::SaturatingRoundingDoublingHighMul on int16."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return _trunc_div(ab + nudge, 1 << 15)


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """gemmlowp::RoundingDivideByPOT (round half away from zero)."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def mbqm(x: int, multiplier: int, shift: int) -> int:
    """tflite::MultiplyByQuantizedMultiplier (int32, double rounding: TFLM's default build)."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rounding_divide_by_pot(srdhm32(_wrap32(x * (1 << left)), multiplier), right)


def _wrap32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _wrap16(x: int) -> int:
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def _sat16(x: int) -> int:
    return min(max(x, INT16_MIN), INT16_MAX)


def downscale_multiplier_16(m32: int) -> int:
    """tflite::DownScaleInt32ToInt16Multiplier."""
    if m32 >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (m32 + (1 << 15)) >> 16


def _saturating_doubling_high_mul16(a: int, b: int) -> int:
    """reference_ops::SaturatingDoublingHighMul (hard_swish.h): no rounding nudge."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return _wrap16(_trunc_div(a * b, 1 << 15))


def _saturating_left_shift16(value: int, amount: int) -> int:
    return _sat16(value * (1 << amount))


def hard_swish_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """TFLM HARD_SWISH int8: HardSwishPrepare (hard_swish_common.cc) + reference_ops::HardSwish."""
    hires_input_scale = f32(np.float32(1.0 / 128.0) * np.float32(in_scale))
    reluish_scale = f32(np.float32(3.0) / np.float32(32768.0))
    out_m32, out_exp = quantize_multiplier(float(np.float32(hires_input_scale) / np.float32(out_scale)))
    out_m16 = downscale_multiplier_16(out_m32)
    rel_m32, rel_exp = quantize_multiplier(float(np.float32(hires_input_scale) / np.float32(reluish_scale)))
    rel_m16 = downscale_multiplier_16(rel_m32)
    if out_exp > 0:
        raise ValueError("HARD_SWISH needs an output multiplier exponent <= 0 (TFLM refuses it too)")
    table = np.empty(256, dtype=np.int8)
    for i, q in enumerate(INPUTS):
        value = _wrap16(int(q) - in_zp)
        hires = _wrap16(value * (1 << 7))
        preshift_out = srdhm16(hires, out_m16)
        reluish = hires
        if rel_exp > 0:
            reluish = _saturating_left_shift16(reluish, rel_exp - 1)
        reluish = srdhm16(reluish, rel_m16)
        if rel_exp > 0:
            reluish = _saturating_left_shift16(reluish, 1)
        if rel_exp < 0:
            reluish = rounding_divide_by_pot(reluish, -rel_exp)
        reluish = _wrap16((reluish + (1 << 15)) >> 1)
        pre = _saturating_doubling_high_mul16(reluish, preshift_out)
        out = _wrap16(rounding_divide_by_pot(pre, -out_exp) + out_zp)
        table[i] = min(max(out, -128), 127)
    return table


def relu_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """TFLM RELU int8: CalculateReluOpData (activations_common.cc) + ReluQuantized: rescale to the
    output, clamp at the quantized zero (float32 ratio widened to double, as Prepare does)."""
    return relu_x_table(0.0, float("inf"), in_scale, in_zp, out_scale, out_zp)


def relu6_table(in_scale: float, in_zp: int) -> np.ndarray:
    """TFLM RELU6 int8: Relu6Prepare (FloatToQuantizedType saturates 6.0 into int8) + Relu6Quantized
    clamp the raw input between the input's quantized 0 and 6. TFLM does not rescale to the output's
    quantization even where the converter gave it another one; being exact with TFLM, neither do we
    (TFLite's reference kernel does rescale: see relu_x_table)."""
    six = min(127, max(-128, in_zp + int(_round_away(float(np.float32(6.0) / np.float32(in_scale))))))
    return np.clip(INPUTS, in_zp, six).astype(np.int8)


def relu_x_table(act_min: float, act_max: float, in_scale: float, in_zp: int, out_scale: float,
                 out_zp: int) -> np.ndarray:
    """TFLite's reference ReluX (lite/kernels/activations.cc QuantizedReluX): the input rescaled to
    the output (float32 ratio, as ReluPrepare computes it), clamped to the quantized bounds."""
    m, s = quantize_multiplier(float(np.float32(in_scale) / np.float32(out_scale)))
    lo = max(-128, quantize_value(act_min, out_scale, out_zp))
    hi = 127 if act_max == float("inf") else min(127, quantize_value(act_max, out_scale, out_zp))
    return np.array([min(max(out_zp + mbqm(int(q) - in_zp, m, s), lo), hi) for q in INPUTS],
                    dtype=np.int8)


def relu_n1_to_1_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """TFLite RELU_N1_TO_1 int8 (TFLM has no kernel; lite/kernels/activations.cc Relu1Eval ->
    ReluX with the input rescaled to the output and clamped to the quantized [-1, 1])."""
    return relu_x_table(-1.0, 1.0, in_scale, in_zp, out_scale, out_zp)


def unary_table(name: str, in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """The 256-entry table of unary op ``name``; ValueError where TFLM's Prepare would refuse."""
    if not (np.isfinite(in_scale) and np.isfinite(out_scale) and in_scale > 0 and out_scale > 0):
        raise ValueError("scales must be finite and positive")
    if name == "HARD_SWISH":
        return hard_swish_table(in_scale, in_zp, out_scale, out_zp)
    if name == "RELU":
        return relu_table(in_scale, in_zp, out_scale, out_zp)
    if name == "RELU6":
        return relu6_table(in_scale, in_zp)
    if name == "RELU_N1_TO_1":
        return relu_n1_to_1_table(in_scale, in_zp, out_scale, out_zp)
    if name == "RSQRT":
        return rsqrt_table(in_scale, in_zp, out_scale, out_zp)
    if name == "NEG":
        return float_path_table(np.negative, in_scale, in_zp, out_scale, out_zp)
    raise ValueError(f"{name} has no table")


def _sat_shift_left32(x: int, exponent: int) -> int:
    """gemmlowp::SaturatingRoundingMultiplyByPOT with a positive exponent on int32."""
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x * (1 << exponent)


def inv_sqrt_multiplier_exp(value: int) -> tuple[int, int]:
    """tflite::GetInvSqrtQuantizedMultiplierExp(value, kReverseShift) (kernels/internal/common.h):
    five Newton-Raphson steps in gemmlowp Q3.28 fixed point. Returns (multiplier, left shift)."""
    if value <= 1:
        return INT32_MAX, 0
    shift = 11
    while value >= (1 << 29):
        value //= 4
        shift += 1
    clz = 32 - int(value).bit_length()
    pairs = (clz - 1) // 2 - 1
    shift -= pairs
    value <<= 2 * pairs
    half_input = rounding_divide_by_pot(value >> 1, 1)
    half_three = (1 << 28) + (1 << 27)
    x = 1 << 28  # F3::One()
    for _ in range(5):
        x3 = _sat_shift_left32(srdhm32(srdhm32(x, x), x), 6)  # F9 -> F3
        x = _sat_shift_left32(_wrap32(srdhm32(half_three, x) - srdhm32(half_input, x3)), 3)
    x = srdhm32(x, 1518500250)  # * sqrt(2)/2 in Q0.31
    if shift < 0:
        x = _wrap32(x << -shift)
        shift = 0
    return x, -shift


def rsqrt_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """TFLM RSQRT int8 (micro/kernels/elementwise.cc: SetRsqrtOutputMultiplier + RsqrtEvalQuantized).
    TFLM fails the whole invoke on an input below the zero point (rsqrt of a negative); the
    table gives 127 there, TFLM's value for 0, so the device never reads outside the table."""
    scale = 1.0 / float(f32(np.float32(np.sqrt(np.float32(in_scale))) * np.float32(out_scale)))
    m, s = quantize_multiplier(scale)
    k_shift = 20
    table = np.empty(256, dtype=np.int8)
    for i, q in enumerate(INPUTS):
        value = int(q) - in_zp
        if value <= 0:
            table[i] = 127
            continue
        inv_m, inv_s = inv_sqrt_multiplier_exp(value)
        data = mbqm(1, inv_m, inv_s + k_shift)
        out = mbqm(data, m, s - k_shift) + out_zp
        table[i] = min(max(out, -128), 127)
    return table


def float_path_table(fn, in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """DEQUANTIZE -> float32 ``fn`` -> QUANTIZE as TFLM runs it: Dequantize multiplies by the
    scale widened to double and stores float32; AffineQuantize divides the float32 value by the
    scale as double and rounds half away from zero (TfLiteRound), then clamps."""
    deq = (float(np.float32(in_scale)) * (INPUTS - in_zp).astype(np.float64)).astype(np.float32)
    y = np.asarray(fn(deq), dtype=np.float32).astype(np.float64) / float(np.float32(out_scale))
    rounded = np.sign(y) * np.floor(np.abs(y) + 0.5)
    return np.clip(rounded + out_zp, -128, 127).astype(np.int8)
