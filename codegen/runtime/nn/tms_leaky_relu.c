/* int8 LEAKY_RELU; matches TFLite Micro reference_ops::QuantizeLeakyRelu. */
#include "tms_leaky_relu.h"

#include "tms_common.h"

void tms_leaky_relu_s8(const tms_leaky_relu_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_offset;
        const int32_t y = x >= 0 ? tms_mbqm(x, p->identity_multiplier, p->identity_shift)
                                 : tms_mbqm(x, p->alpha_multiplier, p->alpha_shift);
        output[i] = (int8_t)tms_clamp(p->output_offset + y, -128, 127);
    }
}
