/* int8 MUL with broadcasting (up to 4-D).
 * Matches TFLite Micro reference_integer_ops::Mul / BroadcastMul4DSlow
 * (kernels/internal/reference/integer_ops/mul.h). */
#ifndef TMS_MUL_H
#define TMS_MUL_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];
    int32_t strides1[4];
    int32_t strides2[4];
    int32_t in1_offset, in2_offset, out_offset;
    int32_t out_multiplier, out_shift, act_min, act_max;
} tms_mul_params_t;

void tms_mul_s8(const tms_mul_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output);

#endif
