/* Reference: nodes.dsp._spectrum (numpy.fft.rfft of a float32 frame, magnitude or power), matched in
 * Q15 block floating point for cores without an FPU (the other implementation of fft.h is fft.c).
 *
 * The weighted frame is scaled by a power of two so its peak sits just under Q15 full scale (quiet
 * frames keep their resolution), the complex FFT of n_fft / 2 points runs on 16-bit values with
 * 32-bit products, and the whole block is halved before any stage whose butterflies could overflow;
 * the number of halvings is the block exponent. The split step that makes the real FFT works in
 * 32 bits and produces the float magnitudes directly. Float to Q15 and back is done on the bits
 * (exponent arithmetic, an integer square root), because on a core without an FPU each software
 * float operation costs a hundred instructions or more: a 1024-point frame takes about 0.69 M
 * instructions on a Cortex-M0+ against 2.75 M for fft.c in software float.
 * Accuracy, measured against numpy (tests/codegen/test_dsp_q15.py): 57-87 dB signal-to-error on
 * the spectrum. */
#include "fft.h"
#include "fx_fft.h"  /* the complex Q15 FFT, the headroom shift and the integer root */

#include <math.h>

/* The split step adds two values before a Q15 product: their sum times 32767 must fit 31 bits. */
#define TMS_Q15_SPLIT_PEAK 16383

static int32_t tms_q15_round_mul(int32_t a, int32_t w)
{
    return (a * w + (1 << 14)) >> 15;
}

/* |x| of a float as an integer that orders like |x| (IEEE 754 magnitudes order like their bits),
 * so finding the peak needs no floating-point compare: a software compare on a core without an FPU */
static uint32_t tms_q15_magnitude_bits(float v)
{
    union { float f; uint32_t u; } pun;
    pun.f = v;
    return pun.u & 0x7FFFFFFFu;
}

/* round(v * 2^scale_exp) for |v| * 2^scale_exp < 2^15, from the float's bits (no software float) */
static int16_t tms_q15_from_float(float v, int scale_exp)
{
    union { float f; uint32_t u; } pun;
    int32_t shift, q;
    uint32_t mant;
    pun.f = v;
    if (((pun.u >> 23) & 0xFFu) == 0u) {
        return 0;  /* zero or subnormal: far below one Q15 step */
    }
    mant = (pun.u & 0x7FFFFFu) | 0x800000u;
    shift = (int32_t)((pun.u >> 23) & 0xFFu) - 150 + scale_exp;  /* v = mant * 2^(exp - 150) */
    if (shift >= 0) {
        q = (int32_t)(mant << shift);  /* only for tiny scale steps; |q| < 2^15 by the caller */
    } else if (shift < -24) {
        q = 0;
    } else {
        q = (int32_t)((mant + (1u << (-shift - 1))) >> -shift);
    }
    q = q > 32767 ? 32767 : q;
    return (int16_t)((pun.u >> 31) ? -q : q);
}

/* value * 2^exp2 as a float, assembled from its bits (rounded to nearest): exponent arithmetic
 * instead of software float multiplies */
static float tms_q15_scaled_float(uint32_t value, int exp2)
{
    union { uint32_t u; float f; } pun;
    int msb = 31, biased;
    uint32_t mant;
    if (value == 0u) {
        return 0.0f;
    }
    while (!(value & (1u << msb))) {
        msb--;
    }
    if (msb > 23) {
        const int drop = msb - 23;
        mant = (value + (1u << (drop - 1))) >> drop;
        if (mant >> 24) {  /* rounding carried into a new bit */
            mant >>= 1;
            msb++;
        }
    } else {
        mant = value << (23 - msb);
    }
    biased = msb + exp2 + 127;
    if (biased < 1 || biased > 254) {
        return ldexpf((float)value, exp2);  /* outside the normal range: let libm handle it */
    }
    pun.u = ((uint32_t)biased << 23) | (mant & 0x7FFFFFu);
    return pun.f;
}

/* |re + i im| (or its square) times 2^exp2. The square is formed in 32 bits after dropping as few
 * low bits as the largest component needs, and the root is taken of it shifted to the top of the
 * word, so the integer root carries 15-16 significant bits: no software sqrtf or multiply. */
static float tms_q15_bin(int32_t re, int32_t im, int exp2, int power)
{
    uint32_t a = (uint32_t)(re < 0 ? -re : re), b = (uint32_t)(im < 0 ? -im : im);
    uint32_t big = a > b ? a : b, p;
    int drop = 0, lift = 0;
    while ((big >> drop) > 32767u) {
        drop++;
    }
    a >>= drop;
    b >>= drop;
    p = a * a + b * b;  /* < 2^31 */
    if (power) {
        return tms_q15_scaled_float(p, 2 * (exp2 + drop));
    }
    if (p == 0u) {
        return 0.0f;
    }
    while (p < (1u << 29)) {
        p <<= 2;
        lift++;
    }
    return tms_q15_scaled_float(tms_fx_isqrt(p), exp2 + drop - lift);
}

void tms_frame_spectrum(const tms_fft_tables_t *fft, const float *x, uint32_t n, uint32_t stride,
                        const float *window, float *out, uint32_t n_bins, int power)
{
    const uint32_t n_fft = fft->n_fft, m = n_fft >> 1;
    int16_t *z = fft->work_q15;
    uint32_t peak_bits = 0;
    int exponent, scale_exp;
    int32_t halvings, peak = 0, shift, round;
    uint32_t i, k;
    for (i = 0; i < n; i++) {
        const float v = window ? x[i * stride] * window[i] : x[i * stride];
        const uint32_t a = tms_q15_magnitude_bits(v);
        out[i] = v;
        peak_bits = a > peak_bits ? a : peak_bits;
    }
    if (peak_bits == 0u || (peak_bits >> 23) == 0u || (peak_bits >> 23) == 0xFFu) {
        /* silence (or only subnormals, or a non-finite sample): no spectrum to speak of */
        for (k = 0; k < n_bins; k++) {
            out[k] = 0.0f;
        }
        return;
    }
    /* peak < 2^exponent with exponent = its biased exponent - 126, so scaling by 2^(15 - exponent)
     * puts the peak just under Q15 full scale */
    exponent = (int)(peak_bits >> 23) - 126;
    for (i = 0; i < n; i++) {
        const int32_t q = tms_q15_from_float(out[i], 15 - exponent);
        z[i] = (int16_t)q;
        peak = (q < 0 ? -q : q) > peak ? (q < 0 ? -q : q) : peak;
    }
    for (; i < n_fft; i++) {
        z[i] = 0;
    }
    halvings = tms_fx_fft_complex(z, m, n_fft, fft->cos_q15, fft->msin_q15, &peak);
    shift = tms_fx_shift_for(peak, TMS_Q15_SPLIT_PEAK);
    round = (1 << shift) >> 1;
    for (i = 0; shift > 0 && i < n_fft; i++) {
        z[i] = (int16_t)((z[i] + round) >> shift);
    }
    halvings += shift;
    /* the split below yields 2 X[k]: 2^scale_exp undoes that, the halvings and the Q15 scaling */
    scale_exp = halvings - 1 - (15 - exponent);
    {
        const int32_t z0r = z[0], z0i = z[1];
        if (n_bins > 0) {
            out[0] = tms_q15_bin(2 * (z0r + z0i), 0, scale_exp, power);
        }
        if (n_bins > m) {
            out[m] = tms_q15_bin(2 * (z0r - z0i), 0, scale_exp, power);
        }
    }
    for (k = 1; k <= m / 2; k++) {
        const uint32_t j = m - k;
        const int32_t ar = z[2 * k], ai = z[2 * k + 1], br = z[2 * j], bi = z[2 * j + 1];
        const int32_t fer = ar + br, fei = ai - bi;   /* 2 Fe[k] */
        const int32_t for_ = ai + bi, foi = br - ar;  /* 2 Fo[k] */
        const int32_t wr = fft->cos_q15[k], wi = fft->msin_q15[k];
        const int32_t tr = tms_q15_round_mul(for_, wr) - tms_q15_round_mul(foi, wi);
        const int32_t ti = tms_q15_round_mul(for_, wi) + tms_q15_round_mul(foi, wr);
        if (k < n_bins) {
            out[k] = tms_q15_bin(fer + tr, fei + ti, scale_exp, power);
        }
        if (j < n_bins) {
            out[j] = tms_q15_bin(fer - tr, -(fei - ti), scale_exp, power);
        }
    }
}
