/* Fixed-point helpers shared by the int8 kernels.
 * Matches TFLite Micro's tensorflow/lite/kernels/internal/common.h (MultiplyByQuantizedMultiplier,
 * double-rounding variant) and gemmlowp's fixedpoint.h (SaturatingRoundingDoublingHighMul,
 * RoundingDivideByPOT, exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1).
 * Python reference: codegen/model/quant.py computes the multipliers these consume. */
#ifndef TMS_COMMON_H
#define TMS_COMMON_H

#include <stdint.h>

/* The multiply-accumulate loops of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED use the DSP
 * extension's dual 16x16 MAC (SMLAD) on cores that have it (Cortex-M4/M7/M33), plain C elsewhere
 * (the host, Cortex-M0+). Both sum exactly the same int32 products, so the result is the same bits
 * (integer addition wraps the same in any order). -DTMS_NN_NO_DSP forces the plain path. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP == 1 && !defined(TMS_NN_NO_DSP)
#define TMS_NN_DSP 1
#include <arm_acle.h>
#include <string.h>
#else
#define TMS_NN_DSP 0
#endif

/* The multiply-accumulate helpers are called in the innermost loops; -Os would otherwise keep
 * them as calls with their accumulators in memory. */
#if defined(__GNUC__)
#define TMS_HOT_INLINE static inline __attribute__((always_inline))
#else
#define TMS_HOT_INLINE static inline
#endif

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

#if TMS_NN_DSP
/* Four int8 as one word (one LDR on Cortex-M: unaligned access is allowed). */
TMS_HOT_INLINE int32_t tms_load4_s8(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Bytes 1 and 3 of v sign-extended into two halfwords (SXTB16 of v rotated by 8). */
TMS_HOT_INLINE int32_t tms_sxtb16_odd(int32_t v)
{
    const uint32_t u = (uint32_t)v;
    return __sxtb16((int32_t)((u >> 8) | (u << 24)));
}
#endif

/* *acc0 += sum(w0[i] * x[i]), *acc1 += sum(w1[i] * x[i]) for i < n: two output channels share
 * every input load. The DSP path pairs bytes (0, 2) and (1, 3) of each word in SMLAD. */
TMS_HOT_INLINE void tms_dot2_s8(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t n,
                               int32_t *acc0, int32_t *acc1)
{
    int32_t a0 = *acc0, a1 = *acc1;
#if TMS_NN_DSP
    for (; n >= 4; n -= 4) {
        const int32_t xv = tms_load4_s8(x), v0 = tms_load4_s8(w0), v1 = tms_load4_s8(w1);
        const int32_t xe = __sxtb16(xv), xo = tms_sxtb16_odd(xv);
        a0 = __smlad(__sxtb16(v0), xe, a0);
        a1 = __smlad(__sxtb16(v1), xe, a1);
        a0 = __smlad(tms_sxtb16_odd(v0), xo, a0);
        a1 = __smlad(tms_sxtb16_odd(v1), xo, a1);
        x += 4;
        w0 += 4;
        w1 += 4;
    }
#endif
    for (; n > 0; --n) {
        const int32_t xi = *x++;
        a0 += (int32_t)*w0++ * xi;
        a1 += (int32_t)*w1++ * xi;
    }
    *acc0 = a0;
    *acc1 = a1;
}

/* *acc0 += sum(w0[i]) * zp, *acc1 += sum(w1[i]) * zp for i < n: padded taps, whose input is the
 * input zero point (the folded bias counted them with in_offset = -zp; this takes that back out,
 * leaving exactly the reference's sum over the taps inside the image). */
TMS_HOT_INLINE void tms_dot2_zp_s8(int32_t zp, const int8_t *w0, const int8_t *w1, int32_t n,
                                  int32_t *acc0, int32_t *acc1)
{
    int32_t s0 = 0, s1 = 0;
#if TMS_NN_DSP
    for (; n >= 4; n -= 4) {
        const int32_t v0 = tms_load4_s8(w0), v1 = tms_load4_s8(w1);
        s0 = __smlad(__sxtb16(v0), 0x00010001, s0);
        s1 = __smlad(__sxtb16(v1), 0x00010001, s1);
        s0 = __smlad(tms_sxtb16_odd(v0), 0x00010001, s0);
        s1 = __smlad(tms_sxtb16_odd(v1), 0x00010001, s1);
        w0 += 4;
        w1 += 4;
    }
#endif
    for (; n > 0; --n) {
        s0 += *w0++;
        s1 += *w1++;
    }
    *acc0 += s0 * zp;
    *acc1 += s1 * zp;
}

/* sum(w[i] * x[i]) for i < n, added to acc. */
TMS_HOT_INLINE int32_t tms_dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t acc)
{
#if TMS_NN_DSP
    for (; n >= 4; n -= 4) {
        const int32_t xv = tms_load4_s8(x), wv = tms_load4_s8(w);
        acc = __smlad(__sxtb16(wv), __sxtb16(xv), acc);
        acc = __smlad(tms_sxtb16_odd(wv), tms_sxtb16_odd(xv), acc);
        x += 4;
        w += 4;
    }
#endif
    for (; n > 0; --n) {
        acc += (int32_t)*w++ * (int32_t)*x++;
    }
    return acc;
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
