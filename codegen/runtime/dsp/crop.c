/* Reference: nodes.dsp_image.Crop.reference. */
#include "crop.h"

void tms_crop(const float *x, uint32_t w_in, uint32_t channels, uint32_t left, uint32_t top, float *y,
              uint32_t height, uint32_t width)
{
    const uint32_t row_values = width * channels;
    uint32_t i, k;
    for (i = 0; i < height; i++) {
        const float *src = &x[((top + i) * w_in + left) * channels];
        for (k = 0; k < row_values; k++) {
            *y++ = src[k];
        }
    }
}
