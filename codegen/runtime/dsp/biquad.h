/* Cascaded biquad (transposed direct form II), identical sections, per sample and per channel.
 * Reference: nodes.dsp.Biquad.reference; coefficients from nodes.dsp.Biquad.coefficients. */
#ifndef TMS_DSP_BIQUAD_H
#define TMS_DSP_BIQUAD_H

#include <stdint.h>

/* state holds 2 * stages * channels floats, [stage][channel][s1, s2] */
void tms_biquad_reset(float *state, uint32_t stages, uint32_t channels);

/* Filters n samples of (n, channels) x into y (may be the same array), keeping the state.
 * coeffs = {b0, b1, b2, a1, a2} with a0 = 1. */
void tms_biquad_run(const float coeffs[5], float *state, uint32_t stages, uint32_t channels,
                    const float *x, float *y, uint32_t n);

#endif
