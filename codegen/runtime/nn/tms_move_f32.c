/* 4-byte data movement; Python reference: codegen/model/remap.py and codegen/model/emit_float.py
 * (see tms_move_f32.h). */
#include "tms_move_f32.h"

void tms_concat_f32(int32_t count, const float *const *parts, const int32_t *sizes, int32_t outer,
                    float *output)
{
    int32_t o, k, i;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < count; ++k) {
            const float *src = parts[k] + o * sizes[k];
            for (i = 0; i < sizes[k]; ++i) {
                *output++ = src[i];
            }
        }
    }
}

void tms_pad_f32(const tms_pad_f32_params_t *p, const float *input, float *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->out_dims[0]; ++i0) {
        const int32_t j0 = i0 - p->before[0];
        for (i1 = 0; i1 < p->out_dims[1]; ++i1) {
            const int32_t j1 = i1 - p->before[1];
            for (i2 = 0; i2 < p->out_dims[2]; ++i2) {
                const int32_t j2 = i2 - p->before[2];
                for (i3 = 0; i3 < p->out_dims[3]; ++i3) {
                    const int32_t j3 = i3 - p->before[3];
                    const int inside = j0 >= 0 && j0 < p->in_dims[0] && j1 >= 0 &&
                                       j1 < p->in_dims[1] && j2 >= 0 && j2 < p->in_dims[2] &&
                                       j3 >= 0 && j3 < p->in_dims[3];
                    *output++ = inside ? input[((j0 * p->in_dims[1] + j1) * p->in_dims[2] + j2) *
                                               p->in_dims[3] + j3]
                                       : 0.0f;
                }
            }
        }
    }
}

void tms_transpose_f32(const tms_transpose_f32_params_t *p, const float *input, float *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->out_dims[0]; ++i0) {
        for (i1 = 0; i1 < p->out_dims[1]; ++i1) {
            for (i2 = 0; i2 < p->out_dims[2]; ++i2) {
                for (i3 = 0; i3 < p->out_dims[3]; ++i3) {
                    *output++ = input[i0 * p->in_strides[0] + i1 * p->in_strides[1] +
                                      i2 * p->in_strides[2] + i3 * p->in_strides[3]];
                }
            }
        }
    }
}

void tms_remap_f32(const tms_remap_f32_params_t *p, const int32_t *tables, const float *input,
                   float *output)
{
    const int32_t *t0 = tables + p->start[0], *t1 = tables + p->start[1];
    const int32_t *t2 = tables + p->start[2], *t3 = tables + p->start[3];
    const int32_t *t4 = tables + p->start[4], *t5 = tables + p->start[5];
    int32_t i0, i1, i2, i3, i4, i5;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            const int32_t b1 = t0[i0] + t1[i1];
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t b2 = b1 + t2[i2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const int32_t b3 = b2 + t3[i3];
                    for (i4 = 0; i4 < p->dims[4]; ++i4) {
                        const int32_t b4 = b3 + t4[i4];
                        for (i5 = 0; i5 < p->dims[5]; ++i5) {
                            *output++ = input[b4 + t5[i5]];
                        }
                    }
                }
            }
        }
    }
}
