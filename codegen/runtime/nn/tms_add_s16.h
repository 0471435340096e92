/* int16 ADD, SUB and MUL with broadcasting (up to 4-D); zero points are 0 (TFLite's int16
 * quantization is symmetric). ADD/SUB match TFLite Micro reference_integer_ops::Add for int16
 * (kernels/internal/reference/integer_ops/add.h: inputs shifted left by 15, rescaled to a
 * common scale, summed, rescaled to the output); MUL matches reference_integer_ops::Mul /
 * BroadcastMul4DSlow for int16; MAXIMUM/MINIMUM match reference_ops::MaximumMinimumBroadcastSlow
 * (inputs and output share one quantization). Parameters from codegen/model/emit_int16.py. */
#ifndef TMS_ADD_S16_H
#define TMS_ADD_S16_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];      /* output shape, padded to 4-D on the left */
    int32_t strides1[4];  /* element strides of input 1 per output dim; 0 where broadcast */
    int32_t strides2[4];
    int32_t left_shift;
    int32_t in1_multiplier, in1_shift, in2_multiplier, in2_shift;
    int32_t out_multiplier, out_shift, act_min, act_max;
    int32_t kind; /* 0 ADD, 1 SUB, 2 MUL, 3 MAXIMUM, 4 MINIMUM */
} tms_binary_s16_params_t;

void tms_binary_s16(const tms_binary_s16_params_t *p, const int16_t *in1, const int16_t *in2,
                    int16_t *output);

#endif
