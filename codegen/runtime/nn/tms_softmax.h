/* int8 SOFTMAX over the last dimension, int8 output (zero point -128, scale 1/256).
 * Matches TFLite Micro's reference_ops::Softmax for quantized types
 * (kernels/internal/reference/softmax.h): gemmlowp fixed-point exp in Q5.26, sums in Q12.19. */
#ifndef TMS_SOFTMAX_H
#define TMS_SOFTMAX_H

#include <stdint.h>

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} tms_softmax_params_t;

void tms_softmax_s8(const tms_softmax_params_t *p, const int8_t *input, int8_t *output);

#endif
