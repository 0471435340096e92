/* int16 LOGISTIC/TANH; matches TFLite Micro reference_integer_ops::Logistic and Tanh for int16
 * (see tms_sigmoid_s16.h). */
#include "tms_sigmoid_s16.h"

static int32_t tms_rescale_s16(const tms_sigmoid_s16_params_t *p, int16_t x)
{
    const int32_t round = p->input_left_shift > 0 ? (int32_t)1 << (p->input_left_shift - 1) : 0;
    /* |x * multiplier| < 2^30; the shift of a negative value is arithmetic on gcc */
    return ((int32_t)x * p->input_multiplier + round) >> p->input_left_shift;
}

void tms_logistic_s16(const tms_sigmoid_s16_params_t *p, const uint16_t *table,
                      const int16_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = tms_rescale_s16(p, input[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v);
        const uint32_t uh = a >> 9;
        uint32_t r;
        if (uh >= 255u) {
            r = (uint32_t)0x7FFF << 10;
        } else {
            const uint32_t ua = table[uh], ub = table[uh + 1];
            r = (ua << 9) + (a & 0x1ffu) * (ub - ua);
        }
        r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
        output[i] = (int16_t)(r >> 10);
    }
}

void tms_tanh_s16(const tms_sigmoid_s16_params_t *p, const uint16_t *table,
                  const int16_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = tms_rescale_s16(p, input[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v);
        const uint32_t uh = a >> 8;
        int32_t r;
        if (uh >= 255u) {
            r = 0xFFFF << 8;
        } else {
            const uint32_t ua = table[uh], ub = table[uh + 1];
            r = (int32_t)((ua << 8) + (a & 0xffu) * (ub - ua));
        }
        r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(r >> 8);
    }
}
