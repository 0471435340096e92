/* Reference: nodes.dsp_fixed (spectrum, mel_energies, mfcc, ln_q10, to_float), which this file must
 * equal bit for bit (tests/codegen/test_dsp_fixed.py). Integer arithmetic only; the outputs are
 * float32 assembled from their bits. */
#include "fx_features.h"

#define TMS_FX_LOG_LIMIT 65535      /* |ln| < 64 in Q10: a log times a Q15 DCT weight fits an int32 */
#define TMS_FX_LN2_Q16 45426        /* round(ln 2 * 2^16) */

/* log2(1 + i / 64) in Q16, i = 0 ... 64: nodes.dsp_fixed.log2_table() */
static const int32_t tms_fx_log2_q16[65] = {
    0, 1466, 2909, 4331, 5732, 7112, 8473, 9814, 11136, 12440,
    13727, 14996, 16248, 17484, 18704, 19909, 21098, 22272, 23433, 24579,
    25711, 26830, 27936, 29029, 30109, 31178, 32234, 33279, 34312, 35334,
    36346, 37346, 38336, 39316, 40286, 41246, 42196, 43137, 44068, 44990,
    45904, 46809, 47705, 48593, 49472, 50344, 51207, 52063, 52911, 53751,
    54584, 55410, 56229, 57040, 57845, 58643, 59434, 60219, 60997, 61769,
    62534, 63294, 64047, 64794, 65536
};

static int32_t tms_fx_msb64(uint64_t v)
{
    int32_t n = 0;
    if (v >> 32) {
        n = 32;
        v >>= 32;
    }
    {
        uint32_t w = (uint32_t)v;
        if (w >> 16) { n += 16; w >>= 16; }
        if (w >> 8) { n += 8; w >>= 8; }
        if (w >> 4) { n += 4; w >>= 4; }
        if (w >> 2) { n += 2; w >>= 2; }
        if (w >> 1) { n += 1; }
    }
    return n;
}

int32_t tms_fx_ln_q10(uint64_t e, int32_t exp2, int32_t ln_floor_q10)
{
    int32_t n, idx, frac, log2_q16, ln;
    uint32_t y, f;
    if (e == 0u) {
        return ln_floor_q10;
    }
    n = tms_fx_msb64(e);
    y = (uint32_t)(n >= 30 ? e >> (n - 30) : e << (30 - n));  /* in [2^30, 2^31) */
    f = y - (1u << 30);
    idx = (int32_t)(f >> 24);
    frac = tms_fx_log2_q16[idx] +
           (((tms_fx_log2_q16[idx + 1] - tms_fx_log2_q16[idx]) * (int32_t)((f & 0xFFFFFFu) >> 9)) >> 15);
    log2_q16 = (n + exp2) * 65536 + frac;
    ln = (int32_t)(((int64_t)log2_q16 * TMS_FX_LN2_Q16 + (1 << 21)) >> 22);
    ln = ln > ln_floor_q10 ? ln : ln_floor_q10;
    return ln > TMS_FX_LOG_LIMIT ? TMS_FX_LOG_LIMIT : (ln < -TMS_FX_LOG_LIMIT ? -TMS_FX_LOG_LIMIT : ln);
}

float tms_fx_to_float(uint64_t v, int32_t exp2, int negative)
{
    union { uint32_t u; float f; } pun;
    int32_t n, biased;
    uint64_t mant;
    if (v == 0u) {
        pun.u = 0u;
    } else {
        n = tms_fx_msb64(v);
        if (n > 23) {
            mant = (v + ((uint64_t)1 << (n - 24))) >> (n - 23);
            if (mant >> 24) {  /* rounding carried into a new bit */
                mant >>= 1;
                n++;
            }
        } else {
            mant = v << (23 - n);
        }
        biased = n + exp2 + 127;
        if (biased < 1) {
            pun.u = 0u;
        } else if (biased > 254) {
            pun.u = 0x7F800000u;
        } else {
            pun.u = ((uint32_t)biased << 23) | ((uint32_t)mant & 0x7FFFFFu);
        }
    }
    pun.u |= negative ? 0x80000000u : 0u;
    return pun.f;
}

static float tms_fx_signed_to_float(int64_t v, int32_t exp2)
{
    return tms_fx_to_float(v < 0 ? (uint64_t)(-v) : (uint64_t)v, exp2, v < 0);
}

void tms_fx_spectrum_run(const tms_fx_spectrum_config_t *cfg, const float *x, uint32_t *bins, float *out)
{
    uint32_t c, k;
    for (c = 0; c < cfg->channels; c++) {
        int32_t exp2;
        tms_fx_frame_bins(cfg->fft, &x[c], cfg->n, cfg->channels, cfg->window_q15, cfg->bins, 0, bins, &exp2);
        for (k = 0; k < cfg->bins; k++) {
            out[k * cfg->channels + c] = cfg->log
                ? tms_fx_signed_to_float(tms_fx_ln_q10(bins[k], exp2, cfg->ln_floor_q10), -10)
                : tms_fx_to_float(bins[k], exp2, 0);
        }
    }
}

void tms_fx_mel_frame(const tms_fx_mel_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel,
                      int32_t *exp2)
{
    const int16_t *weight = cfg->mel_weights_q15;
    int32_t bins_exp2;
    uint32_t i, j;
    tms_fx_frame_bins(cfg->fft, signal, cfg->frame_length, 1u, cfg->window_q15, cfg->n_bins, cfg->power, bins,
                      &bins_exp2);
    *exp2 = bins_exp2 - 15;
    for (j = 0; j < cfg->n_mels; j++) {
        const uint32_t *bin = &bins[cfg->mel_start[j]];
        uint64_t e = 0u;
        if (cfg->power) {
            for (i = 0; i < cfg->mel_length[j]; i++) {
                e += (uint64_t)bin[i] * (uint32_t)weight[i];
            }
        } else {
            for (i = 0; i < cfg->mel_length[j]; i++) {
                e += bin[i] * (uint32_t)weight[i];  /* |X| < 2^16, weight < 2^15: fits 32 bits */
            }
        }
        weight += cfg->mel_length[j];
        mel[j] = cfg->log ? tms_fx_ln_q10(e, *exp2, cfg->ln_floor_q10) : (int64_t)e;
    }
}

void tms_fx_mfe_run(const tms_fx_mel_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel, float *out)
{
    uint32_t f, j;
    for (f = 0; f < cfg->n_frames; f++) {
        int32_t exp2;
        tms_fx_mel_frame(cfg, &signal[f * cfg->frame_stride], bins, mel, &exp2);
        for (j = 0; j < cfg->n_mels; j++) {
            out[f * cfg->n_mels + j] = cfg->log ? tms_fx_signed_to_float(mel[j], -10)
                                                : tms_fx_to_float((uint64_t)mel[j], exp2, 0);
        }
    }
}

void tms_fx_mfcc_run(const tms_fx_mfcc_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel,
                     float *out)
{
    const tms_fx_mel_config_t *m = cfg->mel;
    uint32_t f, k, j;
    for (f = 0; f < m->n_frames; f++) {
        int32_t exp2;
        tms_fx_mel_frame(m, &signal[f * m->frame_stride], bins, mel, &exp2);
        for (k = 0; k < cfg->n_mfcc; k++) {
            const int16_t *row = &cfg->dct_q15[k * m->n_mels];
            int64_t acc = 0;
            for (j = 0; j < m->n_mels; j++) {
                acc += (int32_t)mel[j] * (int32_t)row[j];  /* |log| <= 65535, |weight| <= 32767 */
            }
            out[f * cfg->n_mfcc + k] = tms_fx_signed_to_float(acc, -25);
        }
    }
}
