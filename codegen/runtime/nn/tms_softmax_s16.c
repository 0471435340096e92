/* int16 SOFTMAX; matches TFLite Micro reference_ops::SoftmaxInt16 (see tms_softmax_s16.h). */
#include "tms_softmax_s16.h"

#include "tms_common.h"
#include "tms_s16_common.h"

static int tms_clz32(uint32_t x)
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

void tms_softmax_s16(const tms_softmax_s16_params_t *p, const int16_t *exp_lut,
                     const int16_t *one_over_one_plus_x_lut, const int16_t *input,
                     int16_t *output)
{
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int16_t *in = input + i * p->depth;
        int16_t *out = output + i * p->depth;
        int32_t max_in_row = -32768;
        int32_t sum = 0; /* Q16.15; depth * 32767 < 2^31 (validated) */
        int headroom_plus_one, right_shift;
        int32_t shifted, sym;
        int16_t reciprocal;
        for (c = 0; c < p->depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        /* the exps are cached in the output, as the reference does: read in[c] before out[c] */
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row; /* in [-65535, 0] */
            const int32_t scaled = tms_mbqm(diff, p->input_multiplier, p->input_left_shift);
            const int32_t centred = tms_clamp16(scaled + 32767, -32768, 32767);
            out[c] = tms_lut16_lookup((int16_t)centred, exp_lut);
            sum += out[c];
        }
        headroom_plus_one = tms_clz32((uint32_t)sum);
        /* the row maximum's exp is ~32767, so 1 <= headroom_plus_one <= 17; the bounds keep
         * every shift defined whatever the tables hold */
        if (headroom_plus_one < 1) {
            headroom_plus_one = 1;
        } else if (headroom_plus_one > 31) {
            headroom_plus_one = 31;
        }
        shifted = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        sym = tms_clamp16(shifted - ((1 << 15) + (1 << 16)), -32768, 32767);
        reciprocal = tms_lut16_lookup((int16_t)sym, one_over_one_plus_x_lut);
        right_shift = 31 - headroom_plus_one;
        for (c = 0; c < p->depth; ++c) {
            const int64_t round = right_shift > 0 ? ((int64_t)1 << (right_shift - 1)) : 0; /* 0..30 */
            const int32_t r = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
            out[c] = (int16_t)tms_clamp16(r, 0, 32767);
        }
    }
}
