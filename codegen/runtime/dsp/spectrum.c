/* Reference: nodes.dsp.Spectrum.reference (window in float32, FFT, |X|, optional log). */
#include "spectrum.h"

#include <math.h>

void tms_spectrum_run(const tms_spectrum_config_t *cfg, const float *x, float *scratch, float *out)
{
    uint32_t c, i;
    for (c = 0; c < cfg->channels; c++) {
        tms_frame_spectrum(cfg->fft, &x[c], cfg->n, cfg->channels, cfg->window, scratch, cfg->bins, 0);
        for (i = 0; i < cfg->bins; i++) {
            float m = scratch[i];
            if (cfg->log) {
                m = logf(m > cfg->log_floor ? m : cfg->log_floor);
            }
            out[i * cfg->channels + c] = m;
        }
    }
}
