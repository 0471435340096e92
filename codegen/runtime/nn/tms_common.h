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

/* The innermost loops of the DSP path are written in gcc inline assembly (gcc -Os spills their
 * accumulators otherwise). They need 12 to 14 registers, which an optimizing build has (no
 * frame pointer); -O0 keeps one and gets the same loops in C. */
#if TMS_NN_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define TMS_NN_ASM 1
#else
#define TMS_NN_ASM 0
#endif

/* The multiply-accumulate helpers are called in the innermost loops; -Os would otherwise keep
 * them as calls with their accumulators in memory. */
#if defined(__GNUC__)
#define TMS_HOT_INLINE static inline __attribute__((always_inline))
#else
#define TMS_HOT_INLINE static inline
#endif

/* gemmlowp SaturatingRoundingDoublingHighMul: (a*b + nudge) / 2^31 truncated toward zero, with
 * nudge = 2^30 for a*b >= 0 and 1 - 2^30 below. Below zero a*b + 1 - 2^30 is negative too, and
 * truncating it equals flooring a*b + 1 - 2^30 + (2^31 - 1) = a*b + 2^30; above, floor and
 * truncation agree: so it is floor((a*b + 2^30) / 2^31) in every case, one 64-bit multiply-add
 * and a shift (an arithmetic shift: gcc's >> on negative values). */
static inline int32_t tms_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
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

/* tms_mbqm for the per-channel multipliers of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED:
 * quant.py makes them 0 or in [2^30, 2^31) with shift in [-31, 30], so SRDHM never saturates.
 * With r = -shift > 0 both roundings collapse into one floor division: writing h = SRDHM(x, m)
 * = floor((x*m + 2^30) / 2^31), RDBPOT(h, r) = floor((h + 2^(r-1) - [h < 0]) / 2^r) (round half
 * away from zero), and floor(floor(A / 2^31) + k) / 2^r) = floor((A + k*2^31) / 2^(31+r)) for an
 * integer k, so RDBPOT(h, r) = floor((x*m + 2^30 + (2^(r-1) - [h<0]) * 2^31) / 2^(31+r)): one
 * multiply-accumulate into 64 bits and the shift of its high word. [x < 0] may stand for
 * [h < 0]: they differ only when h = 0, where both give 0. The same bits as tms_mbqm (a test
 * compares them on random and edge values). */
TMS_HOT_INLINE int32_t tms_requant(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift < 0) {
        const int32_t r1 = -shift - 1;                         /* r - 1, in [0, 30] */
        const int32_t k = (int32_t)(1u << r1) + (x >> 31);     /* 2^(r-1) - [x < 0] >= 0 */
        const int64_t v = (int64_t)x * multiplier + (((int64_t)k << 31) | ((int64_t)1 << 30));
        return (int32_t)(v >> 32) >> r1;
    }
    return (int32_t)(((int64_t)tms_shl(x, (int)shift) * multiplier + ((int64_t)1 << 30)) >> 31);
}

static inline int32_t tms_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* The output stage of the MAC kernels: requantize, add the output zero point, clamp to the
 * activation range. The kernels pass zp, lo and hi as locals: read through the params pointer,
 * gcc reloads them after every output store (the store might alias them). */
TMS_HOT_INLINE int8_t tms_out_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t zp,
                                 int32_t lo, int32_t hi)
{
    return (int8_t)tms_clamp(tms_requant(acc, multiplier, shift) + zp, lo, hi);
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

/* Bytes 1 and 3 of v sign-extended into two halfwords: SXTB16 with its rotate operand, one
 * instruction (gcc does not fold a C rotate into it: it would emit a separate ROR). */
TMS_HOT_INLINE int32_t tms_sxtb16_odd(int32_t v)
{
#if TMS_NN_ASM
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    const uint32_t u = (uint32_t)v;
    return __sxtb16((int32_t)((u >> 8) | (u << 24)));
#endif
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

/* *a += u.x, *b += v.x over n int8 (plain C: one input byte feeds both channels). */
TMS_HOT_INLINE void tms_mm2x1_s8(const int8_t *x, const int8_t *u, const int8_t *v, int32_t n,
                                 int32_t *a, int32_t *b)
{
    int32_t s = *a, t = *b;
    for (; n >= 4; n -= 4) {
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        s += u[0] * x0 + u[1] * x1 + u[2] * x2 + u[3] * x3;
        t += v[0] * x0 + v[1] * x1 + v[2] * x2 + v[3] * x3;
        x += 4;
        u += 4;
        v += 4;
    }
    for (; n > 0; --n) {
        const int32_t xi = *x++;
        s += *u++ * xi;
        t += *v++ * xi;
    }
    *a = s;
    *b = t;
}

/* The 2x2 block of a matrix product: acc[0] += w0.x0, acc[1] += w0.x1, acc[2] += w1.x0,
 * acc[3] += w1.x1 over n int8, where x1 = x0 + dx and w1 = w0 + dw (two output channels times
 * two pixels: every loaded word is used twice).
 * On the DSP path each input and weight word is split once into its even and odd bytes
 * (SXTB16, the odd ones with its rotate) and feeds two SMLADs: 4 loads, 8 extends and 8 SMLADs
 * per 16 MACs, 3 loop instructions per 32. The loop is written out in assembly because gcc -Os
 * spills the four accumulators and six temporaries of this block (14 registers: all there
 * are) to the stack, doubling its length; the loop end waits in memory. */
TMS_HOT_INLINE void tms_mm2x2_s8(const int8_t *x0, int32_t dx, const int8_t *w0, int32_t dw,
                                 int32_t n, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
#if TMS_NN_ASM
    if (n >= 8) {
        const int8_t *const end = x0 + (n & ~7);
        int32_t t0, t1, t2, t3, t4, t5;
#define TMS_MM2X2_STEP                                                                       \
    "ldr %[t1], [%[x], %[dx]]\n\t"                                                           \
    "ldr %[t0], [%[x]], #4\n\t"                                                              \
    "sxtb16 %[t2], %[t0]\n\t"                                                                \
    "sxtb16 %[t0], %[t0], ror #8\n\t"                                                        \
    "sxtb16 %[t3], %[t1]\n\t"                                                                \
    "sxtb16 %[t1], %[t1], ror #8\n\t"                                                        \
    "ldr %[t4], [%[w], %[dw]]\n\t"                                                           \
    "sxtb16 %[t5], %[t4]\n\t"                                                                \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                                                        \
    "smlad %[a10], %[t5], %[t2], %[a10]\n\t"                                                 \
    "smlad %[a11], %[t5], %[t3], %[a11]\n\t"                                                 \
    "smlad %[a10], %[t4], %[t0], %[a10]\n\t"                                                 \
    "smlad %[a11], %[t4], %[t1], %[a11]\n\t"                                                 \
    "ldr %[t4], [%[w]], #4\n\t"                                                              \
    "sxtb16 %[t5], %[t4]\n\t"                                                                \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                                                        \
    "smlad %[a00], %[t5], %[t2], %[a00]\n\t"                                                 \
    "smlad %[a01], %[t5], %[t3], %[a01]\n\t"                                                 \
    "smlad %[a00], %[t4], %[t0], %[a00]\n\t"                                                 \
    "smlad %[a01], %[t4], %[t1], %[a01]\n\t"
        /* eight bytes a pass (two steps), so the loop end is checked half as often */
        __asm__ volatile(
            "1:\n\t" TMS_MM2X2_STEP TMS_MM2X2_STEP
            "ldr %[t5], %[end]\n\t"
            "cmp %[x], %[t5]\n\t"
            "bne 1b\n\t"
            : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
              [x] "+r"(x0), [w] "+r"(w0), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
              [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
            : [dx] "r"(dx), [dw] "r"(dw), [end] "m"(end)
            : "cc", "memory");
#undef TMS_MM2X2_STEP
        n &= 7;
    }
#endif
    /* the tail (DSP path), or everything without the DSP extension: one pixel at a time against
     * both channels (nine live values: no spills at -Os, also on a Cortex-M0+), 4 taps a pass */
#if TMS_NN_DSP
    if (n > 0)
#endif
    {
        tms_mm2x1_s8(x0, w0, w0 + dw, n, &a00, &a10);
        tms_mm2x1_s8(x0 + dx, w0, w0 + dw, n, &a01, &a11);
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
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
