/* int8 TANH (output zero point 0, scale 1/128).
 * Matches TFLite Micro reference_integer_ops::Tanh
 * (kernels/internal/reference/integer_ops/tanh.h): gemmlowp tanh on a Q4.27 input. */
#ifndef TMS_TANH_H
#define TMS_TANH_H

#include <stdint.h>

#include "tms_logistic.h"

void tms_tanh_s8(const tms_activation_params_t *p, const int8_t *input, int8_t *output);

#endif
