/* int16 LOGISTIC and TANH (input and output zero point 0, output scale 2^-15). Matches TFLite
 * Micro's reference_integer_ops::Logistic / Tanh for int16 (kernels/internal/reference/
 * integer_ops/logistic.h, tanh.h): the input rescaled to 1/(3*4096) units, then a 256-entry
 * table of sigmoid(i/24) in 0.16 format with linear interpolation (tanh(x) = 2 sigmoid(2x) - 1).
 * The table and the rescaling come from codegen/model/quant_s16.py. */
#ifndef TMS_SIGMOID_S16_H
#define TMS_SIGMOID_S16_H

#include <stdint.h>

typedef struct {
    int32_t size;
    int32_t input_multiplier; /* <= 32767 */
    int32_t input_left_shift; /* 0..31: a right shift with rounding, despite the name */
} tms_sigmoid_s16_params_t;

void tms_logistic_s16(const tms_sigmoid_s16_params_t *p, const uint16_t *table,
                      const int16_t *input, int16_t *output);
void tms_tanh_s16(const tms_sigmoid_s16_params_t *p, const uint16_t *table,
                  const int16_t *input, int16_t *output);

#endif
