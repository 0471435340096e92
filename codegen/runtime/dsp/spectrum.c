/* Reference: nodes.dsp.Spectrum.reference (window in float32, FFT, |X|, optional log). */
#include "spectrum.h"

#include <math.h>

#include "fft.h"

void tms_spectrum_run(const tms_spectrum_config_t *cfg, const float *x, float *scratch, float *out)
{
    uint32_t c, i;
    for (c = 0; c < cfg->channels; c++) {
        for (i = 0; i < cfg->n; i++) {
            const float v = x[i * cfg->channels + c];
            scratch[i] = cfg->window ? v * cfg->window[i] : v;
        }
        for (; i < cfg->n_fft; i++) {
            scratch[i] = 0.0f;
        }
        tms_rfft(scratch, cfg->n_fft, cfg->cos_tab, cfg->msin_tab);
        tms_rfft_magnitude(scratch, cfg->bins, 0);
        for (i = 0; i < cfg->bins; i++) {
            float m = scratch[i];
            if (cfg->log) {
                m = logf(m > cfg->log_floor ? m : cfg->log_floor);
            }
            out[i * cfg->channels + c] = m;
        }
    }
}
