/* int8 LOGISTIC (output zero point -128, scale 1/256).
 * Matches TFLite Micro reference_integer_ops::Logistic
 * (kernels/internal/reference/integer_ops/logistic.h): gemmlowp logistic on a Q4.27 input. */
#ifndef TMS_LOGISTIC_H
#define TMS_LOGISTIC_H

#include <stdint.h>

typedef struct {
    int32_t size, input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} tms_activation_params_t;

void tms_logistic_s8(const tms_activation_params_t *p, const int8_t *input, int8_t *output);

#endif
