/* int8 FULLY_CONNECTED; matches TFLite Micro reference_integer_ops::FullyConnected(PerChannel). */
#include "tms_fully_connected.h"

#include "tms_common.h"

void tms_fully_connected_s8(const tms_fc_params_t *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output)
{
    const int32_t depth = p->in_depth;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * depth;
        const int8_t *w = filter;
        /* two rows per pass: each input word is loaded once for both */
        for (o = 0; o + 1 < p->out_depth; o += 2) {
            int32_t acc0 = bias[o], acc1 = bias[o + 1];
            tms_dot2_s8(in_b, w, w + depth, depth, &acc0, &acc1);
            acc0 = tms_mbqm(acc0, multiplier[o], shift[o]) + p->out_offset;
            acc1 = tms_mbqm(acc1, multiplier[o + 1], shift[o + 1]) + p->out_offset;
            *output++ = (int8_t)tms_clamp(acc0, p->act_min, p->act_max);
            *output++ = (int8_t)tms_clamp(acc1, p->act_min, p->act_max);
            w += 2 * depth;
        }
        if (o < p->out_depth) {
            int32_t acc = tms_dot_s8(in_b, w, depth, bias[o]);
            acc = tms_mbqm(acc, multiplier[o], shift[o]) + p->out_offset;
            *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
        }
    }
}
