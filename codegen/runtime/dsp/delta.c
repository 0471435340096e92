/* Reference: nodes.dsp.Delta.reference: d[t] = sum_{n=1..N} n * (x[t+n] - x[t-n]) * scale with
 * t+n and t-n clamped to the first and last frame, summed for n = 1 .. N in float32, then one
 * multiply by scale; the delta-delta is the same applied to the delta. */
#include "delta.h"

static void tms_delta_block(const float *x, uint32_t x_stride, float *y, uint32_t y_stride,
                            const tms_delta_config_t *cfg)
{
    const uint32_t last = cfg->frames - 1u;
    uint32_t t, f, n;
    for (t = 0; t < cfg->frames; t++) {
        for (f = 0; f < cfg->features; f++) {
            float acc = 0.0f;
            for (n = 1; n <= cfg->width; n++) {
                const uint32_t ahead = (t + n > last) ? last : t + n;
                const uint32_t behind = (n > t) ? 0u : t - n;
                acc += (float)n * (x[ahead * x_stride + f] - x[behind * x_stride + f]);
            }
            y[t * y_stride + f] = acc * cfg->scale;
        }
    }
}

void tms_delta_run(const tms_delta_config_t *cfg, const float *x, float *out)
{
    const uint32_t row = cfg->features * (cfg->include_input + cfg->order);
    float *delta = out + (cfg->include_input ? cfg->features : 0u);
    uint32_t t, f;
    if (cfg->include_input) {
        for (t = 0; t < cfg->frames; t++) {
            for (f = 0; f < cfg->features; f++) {
                out[t * row + f] = x[t * cfg->features + f];
            }
        }
    }
    tms_delta_block(x, cfg->features, delta, row, cfg);
    if (cfg->order == 2u) {
        tms_delta_block(delta, row, delta + cfg->features, row, cfg);
    }
}
