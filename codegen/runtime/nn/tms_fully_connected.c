/* int8 FULLY_CONNECTED; matches TFLite Micro reference_integer_ops::FullyConnected(PerChannel). */
#include "tms_fully_connected.h"

#include "tms_common.h"

void tms_fully_connected_s8(const tms_fc_params_t *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int8_t *w = filter + o * p->in_depth;
            int32_t acc = bias[o];
            for (d = 0; d < p->in_depth; ++d) {
                acc += (int32_t)w[d] * (int32_t)in_b[d];
            }
            acc = tms_mbqm(acc, multiplier[o], shift[o]) + p->out_offset;
            *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
        }
    }
}
