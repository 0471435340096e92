/* Reference: nodes.dsp.Normalize.reference. */
#include "normalize.h"

void tms_normalize_affine(const float *x, float *y, uint32_t n, float scale, float offset)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        /* two roundings, as numpy's (x * scale + offset) in float32: the Makefile builds with
           -ffp-contract=off, else GCC fuses them into one vfma on cores with an FPU */
        const float scaled = x[i] * scale;
        y[i] = scaled + offset;
    }
}

void tms_normalize_minmax(const float *x, float *y, uint32_t n)
{
    float lo = x[0], hi = x[0];
    uint32_t i;
    for (i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (!(hi > lo)) {
        for (i = 0; i < n; i++) {
            y[i] = 0.0f;
        }
        return;
    }
    /* the reference rounds 1/(hi - lo) and -lo/(hi - lo) from double: once per call, so cheap */
    {
        const double range = (double)hi - (double)lo;
        tms_normalize_affine(x, y, n, (float)(1.0 / range), (float)(-(double)lo / range));
    }
}
