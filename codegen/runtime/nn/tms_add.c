/* int8 ADD/SUB; matches TFLite Micro reference_integer_ops::Add and reference_ops::Sub (int8). */
#include "tms_add.h"

#include "tms_common.h"

void tms_add_s8(const tms_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t base1 = i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2];
                const int32_t base2 = i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const int32_t a = p->in1_offset + in1[base1 + i3 * p->strides1[3]];
                    const int32_t b = p->in2_offset + in2[base2 + i3 * p->strides2[3]];
                    const int32_t sa = tms_mbqm(tms_shl(a, (int)p->left_shift),
                                                p->in1_multiplier, p->in1_shift);
                    const int32_t sb = tms_mbqm(tms_shl(b, (int)p->left_shift),
                                                p->in2_multiplier, p->in2_shift);
                    const int32_t raw = tms_mbqm(p->subtract ? sa - sb : sa + sb,
                                                 p->out_multiplier, p->out_shift) +
                                        p->out_offset;
                    *output++ = (int8_t)tms_clamp(raw, p->act_min, p->act_max);
                }
            }
        }
    }
}
