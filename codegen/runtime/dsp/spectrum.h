/* Magnitude spectrum of each channel of a frame. Reference: nodes.dsp.Spectrum.reference. */
#ifndef TMS_DSP_SPECTRUM_H
#define TMS_DSP_SPECTRUM_H

#include <stdint.h>

#include "fft.h"

typedef struct {
    uint32_t n, channels;     /* input frame (n, channels) */
    uint32_t bins;            /* <= n_fft / 2 + 1 */
    const float *window;      /* n Hann weights, or 0 for none */
    const tms_fft_tables_t *fft;
    int log;                  /* nonzero: log(max(|X|, log_floor)) */
    float log_floor;
} tms_spectrum_config_t;

/* x (n, channels) -> out (bins, channels); scratch holds n_fft + 2 floats. */
void tms_spectrum_run(const tms_spectrum_config_t *cfg, const float *x, float *scratch, float *out);

#endif
