/* Downsample by an integer factor: the mean of each group (average) or its first value (decimate).
 * Reference: nodes.dsp.Downsample.reference. */
#ifndef TMS_DSP_DOWNSAMPLE_H
#define TMS_DSP_DOWNSAMPLE_H

#include <stdint.h>

#define TMS_DOWNSAMPLE_AVERAGE 0
#define TMS_DOWNSAMPLE_DECIMATE 1

typedef struct {
    float *acc;           /* channels floats: running sum (average) or the group's first sample */
    uint32_t channels, factor, method, count;
} tms_downsample_t;

void tms_downsample_init(tms_downsample_t *d, float *acc, uint32_t channels, uint32_t factor, uint32_t method);

/* Stream mode: adds one sample; returns 1 and writes y (channels floats) when it completes a group.
 * The output comes at the group's last sample in both methods, so a stream loses its last partial
 * group exactly as the reference does. */
int tms_downsample_push(tms_downsample_t *d, const float *sample, float *y);

/* Frame mode: (n_out * factor, channels) x -> (n_out, channels) y. */
void tms_downsample_frame(const float *x, float *y, uint32_t n_out, uint32_t channels, uint32_t factor,
                          uint32_t method);

#endif
