/* Normalize / scale. Reference: nodes.dsp.Normalize.reference. The fixed, zscore and minmax modes
 * are one affine map whose float32 scale and offset the emitter computes exactly as the reference. */
#ifndef TMS_DSP_NORMALIZE_H
#define TMS_DSP_NORMALIZE_H

#include <stdint.h>

/* y[i] = x[i] * scale + offset (may run in place) */
void tms_normalize_affine(const float *x, float *y, uint32_t n, float scale, float offset);

/* y = (x - min) / (max - min) with the min and max of these n values; a flat input gives zeros */
void tms_normalize_minmax(const float *x, float *y, uint32_t n);

#endif
