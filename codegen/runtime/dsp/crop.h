/* Image crop. Reference: nodes.dsp_image.Crop.reference. */
#ifndef TMS_DSP_CROP_H
#define TMS_DSP_CROP_H

#include <stdint.h>

/* x (h_in, w_in, channels) -> y (height, width, channels), top-left at (left, top). */
void tms_crop(const float *x, uint32_t w_in, uint32_t channels, uint32_t left, uint32_t top, float *y,
              uint32_t height, uint32_t width);

#endif
