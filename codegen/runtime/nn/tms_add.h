/* int8 ADD and SUB with broadcasting (up to 4-D).
 * Matches TFLite Micro reference_integer_ops::Add / BroadcastAdd4DSlow
 * (kernels/internal/reference/integer_ops/add.h) and reference_ops::SubElementwise /
 * BroadcastSubSlow (kernels/internal/reference/sub.h): inputs shifted left by 20, each rescaled
 * to a common scale, added (or subtracted), then rescaled to the output. */
#ifndef TMS_ADD_H
#define TMS_ADD_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];      /* output shape, padded to 4-D on the left */
    int32_t strides1[4];  /* element strides of input 1 per output dim; 0 where broadcast */
    int32_t strides2[4];
    int32_t in1_offset, in2_offset, out_offset, left_shift;
    int32_t in1_multiplier, in1_shift, in2_multiplier, in2_shift;
    int32_t out_multiplier, out_shift, act_min, act_max;
    int32_t subtract; /* 1: in1 - in2 */
} tms_add_params_t;

void tms_add_s8(const tms_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output);

#endif
