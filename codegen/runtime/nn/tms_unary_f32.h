/* float32 element-wise unary ops: RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH,
 * LEAKY_RELU. Matches TFLite's float reference kernels (activations.cc, logistic.h, tanh,
 * hard_swish.h, leaky_relu.h). Python reference:
 * codegen/model/emit_float.py. */
#ifndef TMS_UNARY_F32_H
#define TMS_UNARY_F32_H

#include <stdint.h>

enum {
    TMS_F32_RELU = 0, TMS_F32_RELU6 = 1, TMS_F32_RELU_N1_TO_1 = 2, TMS_F32_LOGISTIC = 3,
    TMS_F32_TANH = 4, TMS_F32_HARD_SWISH = 5, TMS_F32_LEAKY_RELU = 6
};

void tms_unary_f32(int32_t op, float alpha, const float *input, float *output, int32_t size);

#endif
