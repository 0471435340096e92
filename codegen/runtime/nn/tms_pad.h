/* int8 PAD (up to 4-D), padding with the output zero point.
 * Matches TFLite Micro reference_ops::PadImpl (kernels/internal/reference/pad.h). */
#ifndef TMS_PAD_H
#define TMS_PAD_H

#include <stdint.h>

typedef struct {
    int32_t in_dims[4], before[4], out_dims[4];
    int32_t pad_value;
} tms_pad_params_t;

void tms_pad_s8(const tms_pad_params_t *p, const int8_t *input, int8_t *output);

#endif
