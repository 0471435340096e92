/* int8 SQUARED_DIFFERENCE; matches TFLite Micro squared_difference.cc (see the header).
 * Python reference: codegen/model/emit_more.py (op_squared_difference) computes the parameters. */
#include "tms_squared_difference.h"
#include "tms_common.h"

static int8_t squared_difference(const tms_squared_difference_params_t *p, int8_t x, int8_t y)
{
    /* |scaled| <= 255 * 128 / 2, so the square stays below 2^31 */
    const int32_t a = tms_mbqm(tms_shl(p->in1_offset + x, (int)p->left_shift), p->in1_multiplier,
                               p->in1_shift);
    const int32_t b = tms_mbqm(tms_shl(p->in2_offset + y, (int)p->left_shift), p->in2_multiplier,
                               p->in2_shift);
    const int32_t diff = a - b;
    const int32_t out = tms_mbqm(diff * diff, p->out_multiplier, p->out_shift) + p->out_offset;
    return (int8_t)tms_clamp(out, -128, 127);
}

void tms_squared_difference_s8(const tms_squared_difference_params_t *p, const int8_t *in1,
                               const int8_t *in2, int8_t *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t base1 = i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2];
                const int32_t base2 = i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    *output++ = squared_difference(p, in1[base1 + i3 * p->strides1[3]],
                                                  in2[base2 + i3 * p->strides2[3]]);
                }
            }
        }
    }
}
