/* See tms_quant.h. */
#include "tms_quant.h"
#include <math.h>

void tms_quantize_int8(const float *x, int8_t *q, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    for (i = 0; i < n; i++) {
        /* division, not multiplication by 1/scale: TFLite divides, and the two round differently */
        float r = roundf(x[i] / scale);
        int32_t v;
        /* clamp before the cast: converting an out-of-range float to int32 is undefined */
        if (!(r == r)) {
            r = 0.0f;
        } else if (r > 1e6f) {
            r = 1e6f;
        } else if (r < -1e6f) {
            r = -1e6f;
        }
        v = (int32_t)r + zero_point;
        if (v < -128) {
            v = -128;
        } else if (v > 127) {
            v = 127;
        }
        q[i] = (int8_t)v;
    }
}

void tms_dequantize_int8(const int8_t *q, float *x, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    for (i = 0; i < n; i++) {
        x[i] = scale * (float)((int32_t)q[i] - zero_point);
    }
}

int32_t tms_argmax(const float *x, size_t n)
{
    size_t i, best = 0;
    if (n == 0u) {
        return -1;
    }
    for (i = 1; i < n; i++) {
        if (x[i] > x[best]) {
            best = i;
        }
    }
    return (int32_t)best;
}
