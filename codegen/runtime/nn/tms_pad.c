/* int8 PAD; matches TFLite Micro reference_ops::Pad. */
#include "tms_pad.h"

void tms_pad_s8(const tms_pad_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t a, b, c, d;
    for (a = 0; a < p->out_dims[0]; ++a) {
        const int32_t ia = a - p->before[0];
        for (b = 0; b < p->out_dims[1]; ++b) {
            const int32_t ib = b - p->before[1];
            for (c = 0; c < p->out_dims[2]; ++c) {
                const int32_t ic = c - p->before[2];
                const int inside = ia >= 0 && ia < p->in_dims[0] && ib >= 0 &&
                                   ib < p->in_dims[1] && ic >= 0 && ic < p->in_dims[2];
                for (d = 0; d < p->out_dims[3]; ++d) {
                    const int32_t id = d - p->before[3];
                    if (inside && id >= 0 && id < p->in_dims[3]) {
                        *output++ = input[((ia * p->in_dims[1] + ib) * p->in_dims[2] + ic) *
                                              p->in_dims[3] + id];
                    } else {
                        *output++ = (int8_t)p->pad_value;
                    }
                }
            }
        }
    }
}
