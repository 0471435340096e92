/* int8 SQUARED_DIFFERENCE with broadcasting (up to 4-D).
 * Matches TFLite Micro's squared_difference.cc (PrepareQuantized with left_shift 7, then
 * SquaredDifference per element); the multipliers come from codegen/model/emit_more.py. */
#ifndef TMS_SQUARED_DIFFERENCE_H
#define TMS_SQUARED_DIFFERENCE_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];      /* output shape, padded to 4-D on the left */
    int32_t strides1[4];  /* element strides of input 1 per output dim; 0 where broadcast */
    int32_t strides2[4];
    int32_t in1_offset, in2_offset, out_offset;
    int32_t left_shift;
    int32_t in1_multiplier, in1_shift;  /* shifts <= 0: right shifts */
    int32_t in2_multiplier, in2_shift;
    int32_t out_multiplier, out_shift;
} tms_squared_difference_params_t;

void tms_squared_difference_s8(const tms_squared_difference_params_t *p, const int8_t *in1,
                               const int8_t *in2, int8_t *output);

#endif
