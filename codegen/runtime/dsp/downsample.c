/* Reference: nodes.dsp.Downsample.reference (float32 sums divided by the factor). */
#include "downsample.h"

void tms_downsample_init(tms_downsample_t *d, float *acc, uint32_t channels, uint32_t factor, uint32_t method)
{
    uint32_t c;
    d->acc = acc;
    d->channels = channels;
    d->factor = factor;
    d->method = method;
    d->count = 0;
    for (c = 0; c < channels; c++) {
        acc[c] = 0.0f;
    }
}

int tms_downsample_push(tms_downsample_t *d, const float *sample, float *y)
{
    uint32_t c;
    if (d->method == TMS_DOWNSAMPLE_DECIMATE) {
        if (d->count == 0) {
            for (c = 0; c < d->channels; c++) {
                d->acc[c] = sample[c];
            }
        }
    } else {
        for (c = 0; c < d->channels; c++) {
            d->acc[c] = (d->count == 0) ? sample[c] : d->acc[c] + sample[c];
        }
    }
    if (++d->count < d->factor) {
        return 0;
    }
    d->count = 0;
    for (c = 0; c < d->channels; c++) {
        y[c] = (d->method == TMS_DOWNSAMPLE_DECIMATE) ? d->acc[c] : d->acc[c] / (float)d->factor;
    }
    return 1;
}

void tms_downsample_frame(const float *x, float *y, uint32_t n_out, uint32_t channels, uint32_t factor,
                          uint32_t method)
{
    uint32_t g, c, k;
    for (g = 0; g < n_out; g++) {
        const float *group = &x[g * factor * channels];
        for (c = 0; c < channels; c++) {
            float v = group[c];
            if (method != TMS_DOWNSAMPLE_DECIMATE) {
                for (k = 1; k < factor; k++) {
                    v += group[k * channels + c];
                }
                v /= (float)factor;
            }
            y[g * channels + c] = v;
        }
    }
}
