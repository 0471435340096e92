/* int16 SOFTMAX over the last dimension (input and output zero point 0, output scale 1/32768).
 * Matches TFLite Micro's reference_ops::SoftmaxInt16 (kernels/internal/reference/softmax.h):
 * exp of the rescaled difference to the row maximum from a 513-entry table, the sum's
 * reciprocal from a second table. Both tables are built offline by codegen/model/quant_s16.py
 * exactly as TFLite's LUTPopulate<int16_t> builds them in Prepare. */
#ifndef TMS_SOFTMAX_S16_H
#define TMS_SOFTMAX_S16_H

#include <stdint.h>

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift;
} tms_softmax_s16_params_t;

void tms_softmax_s16(const tms_softmax_s16_params_t *p, const int16_t *exp_lut,
                     const int16_t *one_over_one_plus_x_lut, const int16_t *input,
                     int16_t *output);

#endif
