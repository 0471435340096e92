/* int8 TANH; matches TFLite Micro reference_integer_ops::Tanh. */
#include "tms_tanh.h"

#include "tms_common.h"

/* gemmlowp tanh for a Q4.27 input, Q0.31 result */
static int32_t tanh_q4(int32_t a)
{
    int32_t n, t;
    if (a == 0) {
        return 0;
    }
    n = a < 0 ? a : -a;
    /* ExactMulByPot<1> makes the raw value a Q5.26 number */
    t = tms_one_minus_x_over_one_plus_x(tms_exp_on_negative_values(n, 5));
    return a < 0 ? -t : t;
}

void tms_tanh_s8(const tms_activation_params_t *p, const int8_t *input, int8_t *output)
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
            const int32_t out = tms_rdbpot(tanh_q4(in_q4), 31 - 7);
            output[i] = (int8_t)tms_clamp(out, -128, 127);
        }
    }
}
