/* int8 -> int8 QUANTIZE; matches TFLite Micro reference_ops::Requantize. */
#include "tms_requantize.h"

#include "tms_common.h"

void tms_requantize_s8(const tms_requantize_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = tms_mbqm((int32_t)input[i] - p->in_zero_point, p->multiplier, p->shift) +
                          p->out_zero_point;
        output[i] = (int8_t)tms_clamp(v, -128, 127);
    }
}
