/* Fixed-point helpers shared by the int8 kernels.
 * Matches TFLite Micro's tensorflow/lite/kernels/internal/common.h (MultiplyByQuantizedMultiplier,
 * double-rounding variant) and gemmlowp's fixedpoint.h (SaturatingRoundingDoublingHighMul,
 * RoundingDivideByPOT, exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1).
 * Python reference: codegen/model/quant.py computes the multipliers these consume. */
#ifndef TMS_COMMON_H
#define TMS_COMMON_H

#include <stdint.h>

/* gemmlowp SaturatingRoundingDoublingHighMul. The quotient truncates toward zero like the
 * reference's 64-bit division, done with shifts so Cortex-M needs no 64-bit divide call. */
static inline int32_t tms_srdhm(int32_t a, int32_t b)
{
    int64_t ab, v;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    v = ab + (ab >= 0 ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30)));
    return (int32_t)(v >= 0 ? (v >> 31) : -((-v) >> 31));
}

/* gemmlowp RoundingDivideByPOT: round half away from zero. */
static inline int32_t tms_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * (1 << shift) with the reference's two's-complement wrap, without signed-overflow UB. */
static inline int32_t tms_shl(int32_t x, int shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/* TFLM MultiplyByQuantizedMultiplier (TFLITE_SINGLE_ROUNDING off). */
static inline int32_t tms_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    return tms_rdbpot(tms_srdhm(tms_shl(x, left), multiplier), right);
}

static inline int32_t tms_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* [lo, hi) of the taps k in [0, k_size) whose coordinate origin + dil * k lies in [0, size). */
static inline void tms_valid_taps(int32_t origin, int32_t dil, int32_t k_size, int32_t size,
                                  int32_t *lo, int32_t *hi)
{
    int32_t a = origin >= 0 ? 0 : (-origin + dil - 1) / dil;
    int32_t b = size - origin > 0 ? (size - origin + dil - 1) / dil : 0;
    *lo = a;
    *hi = b < k_size ? b : k_size;
}

/* gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent. */
int32_t tms_sat_shl(int32_t x, int exponent);
/* gemmlowp exp_on_negative_values for a Q(integer_bits).(31-integer_bits) input -> Q0.31. */
int32_t tms_exp_on_negative_values(int32_t a, int integer_bits);
/* gemmlowp one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out). */
int32_t tms_one_over_one_plus_x(int32_t a);
/* gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out). */
int32_t tms_one_minus_x_over_one_plus_x(int32_t a);

#endif
