/* Reference: nodes.dsp_image.resize (float32, (a * (1 - f) + b * f) in that order). */
#include "resize.h"

void tms_resize_nearest(const float *x, uint32_t w_in, uint32_t channels, float *y, uint32_t h_out,
                        uint32_t w_out, const uint16_t *rows, const uint16_t *cols)
{
    uint32_t i, j, c;
    for (i = 0; i < h_out; i++) {
        const float *src_row = &x[(uint32_t)rows[i] * w_in * channels];
        for (j = 0; j < w_out; j++) {
            const float *src = &src_row[(uint32_t)cols[j] * channels];
            for (c = 0; c < channels; c++) {
                *y++ = src[c];
            }
        }
    }
}

void tms_resize_bilinear(const float *x, uint32_t w_in, uint32_t channels, float *y, uint32_t h_out,
                         uint32_t w_out, const uint16_t *y0, const uint16_t *y1, const float *fy,
                         const uint16_t *x0, const uint16_t *x1, const float *fx)
{
    const uint32_t stride = w_in * channels;
    uint32_t i, j, c;
    for (i = 0; i < h_out; i++) {
        const float *top = &x[(uint32_t)y0[i] * stride];
        const float *bottom = &x[(uint32_t)y1[i] * stride];
        const float wy = fy[i], wy_rest = 1.0f - fy[i];
        for (j = 0; j < w_out; j++) {
            const uint32_t a = (uint32_t)x0[j] * channels, b = (uint32_t)x1[j] * channels;
            const float wx = fx[j], wx_rest = 1.0f - fx[j];
            for (c = 0; c < channels; c++) {
                const float t = top[a + c] * wx_rest + top[b + c] * wx;
                const float u = bottom[a + c] * wx_rest + bottom[b + c] * wx;
                *y++ = t * wy_rest + u * wy;
            }
        }
    }
}
