/* float32 unary ops; Python reference: codegen/model/emit_float.py (see tms_unary_f32.h).
 * Element i is read before element i is written (in-place safe). */
#include "tms_unary_f32.h"

#include <math.h>

static float tms_unary_one(int32_t op, float alpha, float x)
{
    switch (op) {
    case TMS_F32_RELU: return x > 0.0f ? x : 0.0f;
    case TMS_F32_RELU6: return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
    case TMS_F32_RELU_N1_TO_1: return x > -1.0f ? (x < 1.0f ? x : 1.0f) : -1.0f;
    case TMS_F32_LOGISTIC: return 1.0f / (1.0f + expf(-x));
    case TMS_F32_TANH: return tanhf(x);
    case TMS_F32_HARD_SWISH: {
        const float r = x + 3.0f;
        return x * (r > 0.0f ? (r < 6.0f ? r : 6.0f) : 0.0f) / 6.0f;
    }
    default: return x > 0.0f ? x : x * alpha;
    }
}

void tms_unary_f32(int32_t op, float alpha, const float *input, float *output, int32_t size)
{
    int32_t i;
    for (i = 0; i < size; ++i) {
        output[i] = tms_unary_one(op, alpha, input[i]);
    }
}
