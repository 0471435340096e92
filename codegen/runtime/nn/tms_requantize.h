/* int8 -> int8 QUANTIZE (requantization to another scale/zero point).
 * Matches TFLite Micro reference_ops::Requantize (kernels/internal/reference/requantize.h). */
#ifndef TMS_REQUANTIZE_H
#define TMS_REQUANTIZE_H

#include <stdint.h>

typedef struct {
    int32_t size, in_zero_point, out_zero_point, multiplier, shift;
} tms_requantize_params_t;

void tms_requantize_s8(const tms_requantize_params_t *p, const int8_t *input, int8_t *output);

#endif
