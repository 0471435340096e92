/* int16 <-> int8/int16 QUANTIZE; matches TFLite Micro reference_ops::Requantize (see
 * tms_requantize_s16.h). */
#include "tms_requantize_s16.h"

#include "tms_common.h"
#include "tms_s16_common.h"

/* |input - zero point| <= 65535 and the ratio is bounded (validated): the product cannot
 * overflow int32 after the multiplier's left shift. */
static int32_t tms_requant_one(const tms_requantize_s16_params_t *p, int32_t v)
{
    return tms_mbqm(v - p->in_zero_point, p->multiplier, p->shift) + p->out_zero_point;
}

void tms_requantize_s16_s16(const tms_requantize_s16_params_t *p, const int16_t *input,
                            int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)tms_clamp16(tms_requant_one(p, input[i]), p->act_min, p->act_max);
    }
}

void tms_requantize_s16_s8(const tms_requantize_s16_params_t *p, const int16_t *input,
                           int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int8_t)tms_clamp16(tms_requant_one(p, input[i]), p->act_min, p->act_max);
    }
}

void tms_requantize_s8_s16(const tms_requantize_s16_params_t *p, const int8_t *input,
                           int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)tms_clamp16(tms_requant_one(p, input[i]), p->act_min, p->act_max);
    }
}

void tms_leaky_relu_s16(const tms_leaky_relu_s16_params_t *p, const int16_t *input,
                        int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = input[i];
        const int32_t y = x >= 0 ? tms_mbqm(x, p->identity_multiplier, p->identity_shift)
                                 : tms_mbqm(x, p->alpha_multiplier, p->alpha_shift);
        output[i] = (int16_t)tms_clamp16(y, -32768, 32767);
    }
}
