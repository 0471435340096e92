/* float32 broadcasting binary ops; Python reference: codegen/model/emit_float.py
 * (see tms_binary_f32.h). Element i is read before element i is written (in-place safe). */
#include "tms_binary_f32.h"

void tms_binary_f32(const tms_binary_f32_params_t *p, const float *in1, const float *in2,
                    float *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const float a = in1[i0 * p->strides1[0] + i1 * p->strides1[1] +
                                        i2 * p->strides1[2] + i3 * p->strides1[3]];
                    const float b = in2[i0 * p->strides2[0] + i1 * p->strides2[1] +
                                        i2 * p->strides2[2] + i3 * p->strides2[3]];
                    float v;
                    switch (p->op) {
                    case TMS_F32_ADD: v = a + b; break;
                    case TMS_F32_SUB: v = a - b; break;
                    case TMS_F32_MUL: v = a * b; break;
                    case TMS_F32_MAX: v = a > b ? a : b; break;
                    default: v = a < b ? a : b; break;
                    }
                    v = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
                    *output++ = v;
                }
            }
        }
    }
}
