"""Offline quantization arithmetic: the numbers TFLite Micro's Prepare() computes, in Python.

Each function names the TFLM/TFLite function it reproduces. Scales are float32 in the file and
widened to double exactly as the C++ does; float-typed steps are done in float32 on purpose.
"""
from __future__ import annotations

import math

import numpy as np


def _round_away(x: float) -> float:
    """std::round / TfLiteRound: halves away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """tflite::QuantizeMultiplier: real ~= q * 2^(shift - 31), q in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(_round_away(q * (1 << 31)))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def f32(x) -> float:
    return float(np.float32(x))


def quantize_value(f: float, scale: float, zero_point: int) -> int:
    """tflite::Quantize in CalculateActivationRangeQuantizedImpl: float32 divide, then round."""
    tmp = np.float32(f) / np.float32(scale)
    return int(zero_point) + int(_round_away(float(tmp)))


def activation_range(activation: str, scale: float, zero_point: int, qmin: int = -128,
                     qmax: int = 127) -> tuple[int, int]:
    """tflite::CalculateActivationRangeQuantized for int8 (int16: qmin/qmax of int16)."""
    if activation == "RELU":
        return max(qmin, quantize_value(0.0, scale, zero_point)), qmax
    if activation == "RELU6":
        return (max(qmin, quantize_value(0.0, scale, zero_point)),
                min(qmax, quantize_value(6.0, scale, zero_point)))
    if activation == "RELU_N1_TO_1":
        return (max(qmin, quantize_value(-1.0, scale, zero_point)),
                min(qmax, quantize_value(1.0, scale, zero_point)))
    return qmin, qmax


def out_size(padding: str, size: int, k: int, stride: int, dilation: int) -> int:
    """tflite::ComputeOutSize."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size + stride - eff) // stride


def padding_offset(stride: int, dilation: int, in_size: int, k: int, out: int) -> int:
    """tflite::ComputePaddingWithOffset: the leading padding (the odd pixel goes after)."""
    eff = (k - 1) * dilation + 1
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2


def op_padding(options: dict, h: int, w: int, kh: int, kw: int) -> tuple[int, int]:
    """Leading (top, left) padding of a conv/pool op; an explicit pair set by a graph rewrite
    (a folded SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND) wins over the SAME/VALID rule."""
    if "pad_top" in options:
        return int(options["pad_top"]), int(options["pad_left"])
    sh, sw = int(options.get("stride_h", 1)), int(options.get("stride_w", 1))
    dh, dw = int(options.get("dilation_h", 1)), int(options.get("dilation_w", 1))
    pad = options.get("padding", "VALID")
    return (padding_offset(sh, dh, h, kh, out_size(pad, h, kh, sh, dh)),
            padding_offset(sw, dw, w, kw, out_size(pad, w, kw, sw, dw)))


def conv_multipliers(input_scale: float, filter_scales, output_scale: float, channels: int):
    """PopulateConvolutionQuantizationParams: one (multiplier, shift) per output channel."""
    scales = list(filter_scales)
    if len(scales) == 1:
        scales = scales * channels
    mult, shift = [], []
    for fs in scales:
        m, s = quantize_multiplier(float(input_scale) * float(fs) / float(output_scale))
        mult.append(m)
        shift.append(s)
    return mult, shift


def add_params(s1: float, s2: float, so: float, float32: bool = False) -> dict:
    """CalculateOpDataAdd for int8 (double ratios); SUB's Prepare does the ratios in float32."""
    left_shift = 20
    if float32:
        a, b, o = np.float32(s1), np.float32(s2), np.float32(so)
        twice = np.float32(2) * max(a, b)
        r1, r2 = float(a / twice), float(b / twice)
        ro = float(twice / (np.float32(1 << left_shift) * o))
    else:
        twice_max = 2.0 * max(f32(s1), f32(s2))
        r1, r2 = f32(s1) / twice_max, f32(s2) / twice_max
        ro = twice_max / ((1 << left_shift) * f32(so))
    m1, sh1 = quantize_multiplier(r1)
    m2, sh2 = quantize_multiplier(r2)
    mo, sho = quantize_multiplier(ro)
    return dict(left_shift=left_shift, in1_multiplier=m1, in1_shift=sh1, in2_multiplier=m2,
                in2_shift=sh2, out_multiplier=mo, out_shift=sho)


def mul_multiplier(s1: float, s2: float, so: float) -> tuple[int, int]:
    """MUL Prepare: input1_scale * input2_scale / output_scale."""
    return quantize_multiplier(f32(s1) * f32(s2) / f32(so))


def input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    """tflite::CalculateInputRadius."""
    max_rescaled = (1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits))
                    / (1 << left_shift))
    return int(math.floor(max_rescaled))


def softmax_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """PreprocessSoftmaxScaling + CalculateInputRadius for int8 (5 integer bits)."""
    bits = 5
    real = min(f32(beta) * f32(input_scale) * (1 << (31 - bits)), float((1 << 31) - 1))
    mult, shift = quantize_multiplier(real)
    diff_min = -input_radius(bits, shift)
    return mult, shift, diff_min


def sigmoid_like_params(input_scale: float) -> tuple[int, int, int]:
    """LOGISTIC/TANH Prepare for int8 (4 integer bits): multiplier, left shift, input radius."""
    bits = 4
    real = f32(input_scale) * (1 << (31 - bits))
    q, shift = math.frexp(real)
    mult = int(_round_away(q * (1 << 31)))
    return mult, shift, input_radius(bits, shift)


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """MEAN Prepare (input/output scale) folded with 1/count as QuantizedMeanOrSum does."""
    mult, shift = quantize_multiplier(f32(input_scale) / f32(output_scale))
    if count <= 0:
        return mult, shift
    s = min(count.bit_length() - 1, 32, 31 + shift)  # 63 - CountLeadingZeros(uint64 count)
    return int((mult << s) // count), shift - s


def leaky_relu_multipliers(input_scale: float, alpha: float, output_scale: float):
    """LEAKY_RELU Prepare: both ratios are computed in float32 before widening to double."""
    si, so, a = np.float32(input_scale), np.float32(output_scale), np.float32(alpha)
    identity = quantize_multiplier(float(si / so))
    negative = quantize_multiplier(float(si * a / so))
    return identity, negative
