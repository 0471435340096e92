/* int16x8 FULLY_CONNECTED; matches TFLite Micro reference_integer_ops::FullyConnected for int16
 * input (see tms_fully_connected_s16.h). */
#include "tms_fully_connected_s16.h"

#include "tms_s16_common.h"

void tms_fully_connected_s16(const tms_fc_s16_params_t *p, const int16_t *input,
                             const int8_t *filter, const int64_t *bias,
                             const int32_t *multiplier, const int32_t *shift, int16_t *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *row = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int8_t *w = filter + o * p->in_depth;
            int64_t acc = 0;
            int32_t v;
            for (d = 0; d < p->in_depth; ++d) {
                acc += (int32_t)row[d] * (int32_t)w[d];
            }
            if (bias) {
                acc += bias[o];
            }
            v = tms_mbqm64(acc, multiplier[o], shift[o]);
            *output++ = (int16_t)tms_clamp16(v, p->act_min, p->act_max);
        }
    }
}
