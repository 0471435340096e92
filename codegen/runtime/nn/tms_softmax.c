/* int8 SOFTMAX; matches TFLite Micro reference_ops::Softmax (quantized). */
#include "tms_softmax.h"

#include "tms_common.h"

static int clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

void tms_softmax_s8(const tms_softmax_params_t *p, const int8_t *input, int8_t *output)
{
    enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int8_t *in = input + i * p->depth;
        int8_t *out = output + i * p->depth;
        int32_t max_in_row = -128;
        int32_t sum_of_exps = 0;
        int headroom_plus_one, num_bits_over_unit;
        int32_t shifted_sum_minus_one, shifted_scale;
        for (c = 0; c < p->depth; ++c) {
            if (in[c] > max_in_row) {
                max_in_row = in[c];
            }
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t rescaled = tms_srdhm(tms_shl(diff, (int)p->input_left_shift),
                                                   p->input_multiplier);
                const int32_t e = tms_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
                sum_of_exps += tms_rdbpot(e, kAccumulationIntegerBits);
            }
        }
        headroom_plus_one = clz32((uint32_t)sum_of_exps);
        num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
        shifted_sum_minus_one =
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31));
        shifted_scale = tms_one_over_one_plus_x(shifted_sum_minus_one);
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t rescaled = tms_srdhm(tms_shl(diff, (int)p->input_left_shift),
                                                   p->input_multiplier);
                const int32_t e = tms_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
                const int32_t unsat = tms_rdbpot(tms_srdhm(shifted_scale, e),
                                                 num_bits_over_unit + 31 - 8);
                out[c] = (int8_t)tms_clamp(unsat - 128, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}
