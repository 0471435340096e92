/* int16 ADD/SUB/MUL; matches TFLite Micro reference_integer_ops::Add and Mul for int16 (see
 * tms_add_s16.h). */
#include "tms_add_s16.h"

#include "tms_common.h"
#include "tms_s16_common.h"

static int32_t tms_binary_one(const tms_binary_s16_params_t *p, int32_t a, int32_t b)
{
    int32_t sa, sb;
    if (p->kind == 3) {
        return a > b ? a : b; /* MAXIMUM: inputs share the output's quantization */
    }
    if (p->kind == 4) {
        return a < b ? a : b; /* MINIMUM */
    }
    if (p->kind == 2) {
        /* |a * b| <= 2^30: exact in int32 */
        return tms_mbqm(a * b, p->out_multiplier, p->out_shift);
    }
    /* |a| <= 2^15, left shift 15: |a << 15| <= 2^30 */
    sa = tms_mbqm(tms_shl(a, (int)p->left_shift), p->in1_multiplier, p->in1_shift);
    sb = tms_mbqm(tms_shl(b, (int)p->left_shift), p->in2_multiplier, p->in2_shift);
    return tms_mbqm(p->kind == 1 ? sa - sb : sa + sb, p->out_multiplier, p->out_shift);
}

void tms_binary_s16(const tms_binary_s16_params_t *p, const int16_t *in1, const int16_t *in2,
                    int16_t *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t base1 = i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2];
                const int32_t base2 = i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const int32_t v = tms_binary_one(p, in1[base1 + i3 * p->strides1[3]],
                                                     in2[base2 + i3 * p->strides2[3]]);
                    *output++ = (int16_t)tms_clamp16(v, p->act_min, p->act_max);
                }
            }
        }
    }
}
