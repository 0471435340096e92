/* Reference: nodes.dsp.Biquad.reference (float32 arithmetic, each stage from rest). Running the
 * stages per sample instead of per signal gives the same numbers: each stage is causal. */
#include "biquad.h"

void tms_biquad_reset(float *state, uint32_t stages, uint32_t channels)
{
    uint32_t i;
    for (i = 0; i < 2 * stages * channels; i++) {
        state[i] = 0.0f;
    }
}

void tms_biquad_run(const float coeffs[5], float *state, uint32_t stages, uint32_t channels,
                    const float *x, float *y, uint32_t n)
{
    const float b0 = coeffs[0], b1 = coeffs[1], b2 = coeffs[2], a1 = coeffs[3], a2 = coeffs[4];
    uint32_t t, c, s;
    for (t = 0; t < n; t++) {
        for (c = 0; c < channels; c++) {
            float v = x[t * channels + c];
            for (s = 0; s < stages; s++) {
                float *st = &state[2 * (s * channels + c)];
                /* the same operation order as the reference, so the host result is bit-exact */
                const float out = b0 * v + st[0];
                st[0] = b1 * v - a1 * out + st[1];
                st[1] = b2 * v - a2 * out;
                v = out;
            }
            y[t * channels + c] = v;
        }
    }
}
