/* int8 LOGISTIC; matches TFLite Micro reference_integer_ops::Logistic. */
#include "tms_logistic.h"

#include "tms_common.h"

/* gemmlowp logistic for a Q4.27 input, Q0.31 result */
static int32_t logistic_q4(int32_t a)
{
    int32_t abs_a, positive;
    if (a == 0) {
        return 1 << 30;
    }
    abs_a = a > 0 ? a : -a;
    positive = tms_one_over_one_plus_x(tms_exp_on_negative_values(-abs_a, 4));
    return a > 0 ? positive : INT32_MAX - positive;
}

void tms_logistic_s8(const tms_activation_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = -128;
        } else if (x >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t in_q4 = tms_mbqm(x, p->input_multiplier, p->input_left_shift);
            const int32_t out_q0 = logistic_q4(in_q4);
            const int32_t out = tms_rdbpot(out_q0, 31 - 8) - 128;
            output[i] = (int8_t)tms_clamp(out, -128, 127);
        }
    }
}
