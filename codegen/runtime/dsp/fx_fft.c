/* Reference: nodes.dsp_fixed.frame_bins, which this file must equal bit for bit
 * (tests/codegen/test_dsp_fixed.py). Integer arithmetic only: on a Cortex-M0+ each software float
 * operation costs tens of instructions, a 16 x 16 -> 32 bit multiply one. */
#include "fx_fft.h"

#define TMS_FX_BUTTERFLY_PEAK 13572  /* (1 + sqrt 2) * 13572 + rounding < 2^15 */
#define TMS_FX_SPLIT_PEAK 16383      /* the split's sums times a Q15 twiddle fit 31 bits */
#define TMS_FX_MAGNITUDE_PEAK 46340u /* 2 * 46340^2 < 2^32 */

static int32_t tms_fx_round_mul(int32_t a, int32_t w)
{
    return (a * w + (1 << 14)) >> 15;  /* arithmetic shift of a negative int: gcc, clang, armcc */
}

static int32_t tms_fx_peak(const int16_t *z, uint32_t count)
{
    int32_t peak = 0;
    uint32_t i;
    for (i = 0; i < count; i++) {
        const int32_t a = z[i] < 0 ? -(int32_t)z[i] : z[i];
        peak = a > peak ? a : peak;
    }
    return peak;
}

static void tms_fx_bit_reverse(int16_t *z, uint32_t m)
{
    uint32_t i, j = 0;
    for (i = 0; i + 1 < m; i++) {
        uint32_t bit = m >> 1;
        if (i < j) {
            const int16_t tr = z[2 * i], ti = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = tr;
            z[2 * j + 1] = ti;
        }
        while (j & bit) {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
    }
}

/* The right shift h (rounded: (v + 2^(h-1)) >> h) that brings a block whose peak is `peak` within
 * limit; the rounded shift of a value never exceeds that of the peak's magnitude. */
int32_t tms_fx_shift_for(int32_t peak, int32_t limit)
{
    int32_t h = 0;
    while (((peak + ((1 << h) >> 1)) >> h) > limit) {
        h++;
    }
    return h;
}

/* One stage's butterflies over the whole block, each input first shifted right by h (rounded); the
 * peak of the outputs is tracked on the way (their max and min), so no stage scans the block. */
static int32_t tms_fx_stage(int16_t *z, uint32_t m, uint32_t len, uint32_t step, int32_t h,
                            const int16_t *cos_q15, const int16_t *msin_q15)
{
    const uint32_t half = len >> 1;
    const int32_t r = (1 << h) >> 1;
    int32_t hi = 0, lo = 0;
    uint32_t j, start;
    for (j = 0; j < half; j++) {
        const int32_t wr = cos_q15[j * step], wi = msin_q15[j * step];
        for (start = j; start < m; start += len) {
            int16_t *a = &z[2 * start], *b = &z[2 * (start + half)];
            const int32_t ar = (a[0] + r) >> h, ai = (a[1] + r) >> h, br = (b[0] + r) >> h, bi = (b[1] + r) >> h;
            int32_t tr = br, ti = bi, o0, o1, o2, o3;
            if (j != 0u) {  /* j = 0: the twiddle is exactly 1 */
                tr = tms_fx_round_mul(br, wr) - tms_fx_round_mul(bi, wi);
                ti = tms_fx_round_mul(br, wi) + tms_fx_round_mul(bi, wr);
            }
            o0 = ar + tr;
            o1 = ai + ti;
            o2 = ar - tr;
            o3 = ai - ti;
            a[0] = (int16_t)o0;
            a[1] = (int16_t)o1;
            b[0] = (int16_t)o2;
            b[1] = (int16_t)o3;
            hi = o0 > hi ? o0 : hi;
            hi = o1 > hi ? o1 : hi;
            hi = o2 > hi ? o2 : hi;
            hi = o3 > hi ? o3 : hi;
            lo = o0 < lo ? o0 : lo;
            lo = o1 < lo ? o1 : lo;
            lo = o2 < lo ? o2 : lo;
            lo = o3 < lo ? o3 : lo;
        }
    }
    return hi > -lo ? hi : -lo;
}

int32_t tms_fx_fft_complex(int16_t *z, uint32_t m, uint32_t n_fft, const int16_t *cos_q15, const int16_t *msin_q15,
                           int32_t *peak)
{
    int32_t halvings = 0;
    uint32_t len;
    tms_fx_bit_reverse(z, m);
    for (len = 2; len <= m; len <<= 1) {
        const int32_t h = tms_fx_shift_for(*peak, TMS_FX_BUTTERFLY_PEAK);
        *peak = tms_fx_stage(z, m, len, n_fft / len, h, cos_q15, msin_q15);
        halvings += h;
    }
    return halvings;
}

/* round-half-away(|x| * 2^-k) of a float's bits (k >= 9), saturated to Q15, with the float's sign */
static int16_t tms_fx_sample_q15(uint32_t bits, int32_t k)
{
    const uint32_t field = (bits >> 23) & 0xFFu;
    uint32_t q;
    if (field == 0u || k > 24) {
        return 0;  /* zero, subnormal, or below half a Q15 step of this frame */
    }
    q = (((bits & 0x7FFFFFu) | 0x800000u) + (1u << (k - 1))) >> k;
    q = q > 32767u ? 32767u : q;
    return (int16_t)((bits >> 31) ? -(int32_t)q : (int32_t)q);
}

static uint32_t tms_fx_float_bits(float v)
{
    union { float f; uint32_t u; } pun;
    pun.f = v;
    return pun.u;
}

/* floor(sqrt(p)) for a 32-bit p, bit by bit */
uint32_t tms_fx_isqrt(uint32_t p)
{
    uint32_t root = 0, bit = 1u << 30;
    while (bit > p) {
        bit >>= 2;
    }
    while (bit != 0u) {
        if (p >= root + bit) {
            p -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return root;
}

/* 2 X[k] for k < n_bins from the complex FFT of the even (re) and odd (im) samples, into
 * out[2k], out[2k + 1], each value of z first shifted right by h (rounded); bin k is written before
 * bin m - k, so at k = m / 2 the second wins. */
static void tms_fx_split(const int16_t *z, uint32_t m, int32_t h, const int16_t *cos_q15,
                         const int16_t *msin_q15, uint32_t n_bins, int32_t *out)
{
    const int32_t r = (1 << h) >> 1;
    const int32_t z0r = (z[0] + r) >> h, z0i = (z[1] + r) >> h;
    uint32_t k;
    if (n_bins > 0u) {
        out[0] = 2 * (z0r + z0i);
        out[1] = 0;
    }
    if (n_bins > m) {
        out[2 * m] = 2 * (z0r - z0i);
        out[2 * m + 1] = 0;
    }
    for (k = 1; k <= m / 2; k++) {
        const uint32_t j = m - k;
        if (k >= n_bins && j >= n_bins) {
            continue;
        }
        {
            const int32_t ar = (z[2 * k] + r) >> h, ai = (z[2 * k + 1] + r) >> h;
            const int32_t br = (z[2 * j] + r) >> h, bi = (z[2 * j + 1] + r) >> h;
            const int32_t fer = ar + br, fei = ai - bi, f_or = ai + bi, foi = br - ar;
            const int32_t wr = cos_q15[k], wi = msin_q15[k];
            const int32_t tr = tms_fx_round_mul(f_or, wr) - tms_fx_round_mul(foi, wi);
            const int32_t ti = tms_fx_round_mul(f_or, wi) + tms_fx_round_mul(foi, wr);
            if (k < n_bins) {
                out[2 * k] = fer + tr;
                out[2 * k + 1] = fei + ti;
            }
            if (j < n_bins) {
                out[2 * j] = fer - tr;
                out[2 * j + 1] = -(fei - ti);
            }
        }
    }
}

int tms_fx_frame_bins(const tms_fx_fft_t *fft, const float *x, uint32_t n, uint32_t stride,
                      const int16_t *window_q15, uint32_t n_bins, int power, uint32_t *bins, int32_t *exp2)
{
    const uint32_t n_fft = fft->n_fft, m = n_fft >> 1;
    int16_t *z = fft->work;
    int32_t *comp = (int32_t *)bins;
    uint32_t peak_bits = 0, big = 0, i, k;
    int32_t peak_field, peak, up = 0, halvings, split_shift, drop = 0;
    for (i = 0; i < n; i++) {
        const uint32_t a = tms_fx_float_bits(x[i * stride]) & 0x7FFFFFFFu;
        peak_bits = a > peak_bits ? a : peak_bits;
    }
    peak_field = (int32_t)(peak_bits >> 23);
    *exp2 = 0;
    if (peak_field == 0 || peak_field == 0xFF) {
        /* silence, only subnormals, or a non-finite sample: no spectrum to speak of */
        for (k = 0; k < n_bins; k++) {
            bins[k] = 0u;
        }
        return 0;
    }
    /* the peak is below 2^e, e = peak_field - 126: scaling by 2^(15 - e) puts it in [2^14, 2^15) */
    for (i = 0; i < n; i++) {
        const uint32_t bits = tms_fx_float_bits(x[i * stride]);
        int32_t q = tms_fx_sample_q15(bits, peak_field - (int32_t)((bits >> 23) & 0xFFu) + 9);
        if (window_q15) {
            q = (q * window_q15[i] + (1 << 14)) >> 15;
        }
        z[i] = (int16_t)q;
    }
    peak = tms_fx_peak(z, n);
    if (peak == 0) {
        for (k = 0; k < n_bins; k++) {
            bins[k] = 0u;
        }
        return 0;
    }
    while ((peak << (up + 1)) <= TMS_FX_BUTTERFLY_PEAK) {  /* a quiet frame keeps its resolution */
        up++;
    }
    for (i = 0; i < n; i++) {
        z[i] = (int16_t)(z[i] * (1 << up));
    }
    for (; i < n_fft; i++) {
        z[i] = 0;
    }
    peak <<= up;
    halvings = tms_fx_fft_complex(z, m, n_fft, fft->cos_q15, fft->msin_q15, &peak);
    split_shift = tms_fx_shift_for(peak, TMS_FX_SPLIT_PEAK);
    halvings += split_shift;
    tms_fx_split(z, m, split_shift, fft->cos_q15, fft->msin_q15, n_bins, comp);
    for (i = 0; i < 2 * n_bins; i++) {
        const uint32_t a = (uint32_t)(comp[i] < 0 ? -comp[i] : comp[i]);
        big = a > big ? a : big;
    }
    while ((big >> drop) > TMS_FX_MAGNITUDE_PEAK) {
        drop++;
    }
    /* bins[k] overwrites comp[k], which belongs to bin k / 2 <= k: already read */
    for (k = 0; k < n_bins; k++) {
        const int32_t re = comp[2 * k], im = comp[2 * k + 1];
        const uint32_t a = (uint32_t)(re < 0 ? -re : re) >> drop, b = (uint32_t)(im < 0 ? -im : im) >> drop;
        const uint32_t p = a * a + b * b;
        bins[k] = power ? p : tms_fx_isqrt(p);
    }
    /* X[k] = comp * 2^(halvings - 1 - s - up), s = 15 - e = 141 - peak_field */
    *exp2 = halvings - 1 - (141 - peak_field) - up + drop;
    if (power) {
        *exp2 *= 2;
    }
    return 1;
}
