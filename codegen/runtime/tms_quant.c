/* See tms_quant.h. */
#include "tms_quant.h"
#include <math.h>

/* clamp(roundf(x / scale) + zero_point, lo, hi) */
static int32_t tms_quantize_one(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi)
{
    /* division, not multiplication by 1/scale: TFLite divides, and the two round differently */
    float r = roundf(x / scale);
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
    return v < lo ? lo : (v > hi ? hi : v);
}

void tms_quantize_int8(const float *x, int8_t *q, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    for (i = 0; i < n; i++) {
        q[i] = (int8_t)tms_quantize_one(x[i], scale, zero_point, -128, 127);
    }
}

/* an int16x8 model's input: TFLite's AffineQuantize into an int16 tensor */
void tms_quantize_int16(const float *x, int16_t *q, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    for (i = 0; i < n; i++) {
        q[i] = (int16_t)tms_quantize_one(x[i], scale, zero_point, -32768, 32767);
    }
}

void tms_dequantize_int16(const int16_t *q, float *x, size_t n, float scale, int32_t zero_point)
{
    size_t i;
    for (i = 0; i < n; i++) {
        x[i] = scale * (float)((int32_t)q[i] - zero_point);
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
