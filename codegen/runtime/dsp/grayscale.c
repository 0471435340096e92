/* Reference: nodes.dsp_image.Grayscale.reference (x @ weights, float32). */
#include "grayscale.h"

void tms_grayscale(const float *x, float *y, uint32_t pixels, const float weights[3])
{
    uint32_t i;
    for (i = 0; i < pixels; i++) {
        const float *p = &x[3 * i];
        y[i] = p[0] * weights[0] + p[1] * weights[1] + p[2] * weights[2];
    }
}
