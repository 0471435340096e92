/* float32 reductions; Python reference: codegen/model/emit_float.py (see tms_reduce_f32.h). */
#include "tms_reduce_f32.h"

void tms_reduce_f32(const tms_reduce_f32_params_t *p, const float *input, float *output)
{
    int32_t out_strides[4];
    int32_t out_count = 1, count = 1;
    int32_t d, i0, i1, i2, i3, k;
    for (d = 3; d >= 0; --d) {
        out_strides[d] = p->reduce[d] ? 0 : out_count;
        if (p->reduce[d]) {
            count *= p->dims[d];
        } else {
            out_count *= p->dims[d];
        }
    }
    for (k = 0; k < out_count; ++k) {
        output[k] = p->op == TMS_F32_REDUCE_MAX ? -3.402823466e38f
                  : p->op == TMS_F32_REDUCE_MIN ? 3.402823466e38f : 0.0f;
    }
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const float x = *input++;
                    float *o = output + i0 * out_strides[0] + i1 * out_strides[1] +
                               i2 * out_strides[2] + i3 * out_strides[3];
                    if (p->op == TMS_F32_REDUCE_MAX) {
                        *o = x > *o ? x : *o;
                    } else if (p->op == TMS_F32_REDUCE_MIN) {
                        *o = x < *o ? x : *o;
                    } else {
                        *o += x;
                    }
                }
            }
        }
    }
    if (p->op == TMS_F32_REDUCE_MEAN) {
        for (k = 0; k < out_count; ++k) {
            output[k] /= (float)count;
        }
    }
}
