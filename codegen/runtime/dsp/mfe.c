/* Reference: nodes.dsp.Mfe.reference: Hann-weighted frames, zero-padded real FFT, magnitude or
 * power, sparse triangular mel filters, natural log with a floor. */
#include "mfe.h"

#include <math.h>

void tms_mel_frame(const tms_mel_config_t *cfg, const float *signal, float *scratch, float *mel)
{
    const float *weight = cfg->mel_weights;
    uint32_t i, j;
    tms_frame_spectrum(cfg->fft, signal, cfg->frame_length, 1u, cfg->window, scratch, cfg->fft->n_fft / 2 + 1,
                       cfg->power);
    for (j = 0; j < cfg->n_mels; j++) {
        const float *bin = &scratch[cfg->mel_start[j]];
        float e = 0.0f;
        for (i = 0; i < cfg->mel_length[j]; i++) {
            e += bin[i] * weight[i];
        }
        weight += cfg->mel_length[j];
        if (cfg->log) {
            e = logf(e > cfg->log_floor ? e : cfg->log_floor);
        }
        mel[j] = e;
    }
}

void tms_mfe_run(const tms_mel_config_t *cfg, const float *signal, float *scratch, float *out)
{
    uint32_t f;
    for (f = 0; f < cfg->n_frames; f++) {
        tms_mel_frame(cfg, &signal[f * cfg->frame_stride], scratch, &out[f * cfg->n_mels]);
    }
}
