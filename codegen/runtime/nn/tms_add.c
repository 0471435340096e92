/* int8 ADD/SUB; matches TFLite Micro reference_integer_ops::Add and reference_ops::Sub (int8). */
#include "tms_add.h"

#include "tms_common.h"

/* One output element. Every multiplier comes from QuantizeMultiplier (quant.py add_params), so
 * tms_requant gives tms_mbqm's bits in one 64-bit multiply-add each. */
TMS_HOT_INLINE int8_t tms_add_one(const tms_add_params_t *p, int32_t x1, int32_t x2)
{
    const int32_t sa = tms_requant(tms_shl(p->in1_offset + x1, (int)p->left_shift),
                                   p->in1_multiplier, p->in1_shift);
    const int32_t sb = tms_requant(tms_shl(p->in2_offset + x2, (int)p->left_shift),
                                   p->in2_multiplier, p->in2_shift);
    const int32_t raw = tms_requant(p->subtract ? sa - sb : sa + sb, p->out_multiplier,
                                    p->out_shift) + p->out_offset;
    return (int8_t)tms_clamp(raw, p->act_min, p->act_max);
}

void tms_add_s8(const tms_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output)
{
    const int32_t n3 = p->dims[3], n23 = p->dims[2] * n3, n123 = p->dims[1] * n23;
    int32_t i0, i1, i2, i3;
    /* no broadcast (ResNet's shortcuts): one flat loop, the parameters read once into locals */
    if (p->strides1[3] == 1 && p->strides1[2] == n3 && p->strides1[1] == n23 &&
        p->strides1[0] == n123 && p->strides2[3] == 1 && p->strides2[2] == n3 &&
        p->strides2[1] == n23 && p->strides2[0] == n123) {
        const tms_add_params_t q = *p;
        const int32_t n = p->dims[0] * n123;
        for (i0 = 0; i0 < n; ++i0) {
            output[i0] = tms_add_one(&q, in1[i0], in2[i0]);
        }
        return;
    }
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t base1 = i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2];
                const int32_t base2 = i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    *output++ = tms_add_one(p, in1[base1 + i3 * p->strides1[3]],
                                            in2[base2 + i3 * p->strides2[3]]);
                }
            }
        }
    }
}
