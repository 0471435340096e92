/* Image resize, nearest or bilinear with half-pixel centres; the source rows/columns and weights
 * are tables computed by nodes.dsp_image (so device and reference agree on every index).
 * Reference: nodes.dsp_image.Resize.reference (nodes.dsp_image.resize). */
#ifndef TMS_DSP_RESIZE_H
#define TMS_DSP_RESIZE_H

#include <stdint.h>

/* x (h_in, w_in, channels) -> y (h_out, w_out, channels); rows[i] and cols[j] pick the source. */
void tms_resize_nearest(const float *x, uint32_t w_in, uint32_t channels, float *y, uint32_t h_out,
                        uint32_t w_out, const uint16_t *rows, const uint16_t *cols);

/* y = lerp(lerp(x[y0][x0], x[y0][x1], fx), lerp(x[y1][x0], x[y1][x1], fx), fy) per output pixel. */
void tms_resize_bilinear(const float *x, uint32_t w_in, uint32_t channels, float *y, uint32_t h_out,
                         uint32_t w_out, const uint16_t *y0, const uint16_t *y1, const float *fy,
                         const uint16_t *x0, const uint16_t *x1, const float *fx);

#endif
