/* gemmlowp fixed-point transcendental helpers used by SOFTMAX, LOGISTIC and TANH.
 * Matches gemmlowp/fixedpoint/fixedpoint.h as used by TFLite Micro's reference kernels. */
#include "tms_common.h"

int32_t tms_sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return tms_shl(x, exponent);
}

/* exp on [-1/4, 0) by a Taylor expansion around -1/8 (Q0.31). */
static int32_t exp_on_interval(int32_t a)
{
    const int32_t constant_term = 1895147668;
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = tms_srdhm(x, x);
    const int32_t x3 = tms_srdhm(x2, x);
    const int32_t x4 = tms_srdhm(x2, x2);
    const int32_t x4_over_4 = tms_rdbpot(x4, 2);
    const int32_t poly = tms_rdbpot(tms_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
    return constant_term + tms_srdhm(constant_term, x + poly);
}

int32_t tms_exp_on_negative_values(int32_t a, int integer_bits)
{
    static const int32_t multipliers[7] = {
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
    int32_t result = exp_on_interval(tms_sat_shl(a_mod_quarter_minus_one_quarter, integer_bits));
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    int exponent;
    for (exponent = -2; exponent <= 4; ++exponent) {
        if (integer_bits > exponent) {
            const int shift = fractional_bits + exponent;
            if (remainder & ((int32_t)1 << shift)) {
                result = tms_srdhm(result, multipliers[exponent + 2]);
            }
        }
    }
    if (integer_bits > 5 && a < -((int32_t)1 << (36 - integer_bits))) {
        result = 0;
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

static int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* Newton-Raphson for 1/(1+a) in Q2.29; returns x (Q2.29) */
static int32_t newton_reciprocal_q2(int32_t half_denominator)
{
    const int32_t constant_48_over_17 = 1515870810;
    const int32_t constant_neg_32_over_17 = -1010580540;
    const int32_t one_q2 = (int32_t)1 << 29;
    int32_t x = constant_48_over_17 + tms_srdhm(half_denominator, constant_neg_32_over_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tms_srdhm(half_denominator, x);
        const int32_t one_minus = one_q2 - half_denominator_times_x;
        x = x + tms_sat_shl(tms_srdhm(x, one_minus), 2);
    }
    return x;
}

int32_t tms_one_over_one_plus_x(int32_t a)
{
    const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
    return tms_sat_shl(x, 1);
}

int32_t tms_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = newton_reciprocal_q2(rounding_half_sum(a, INT32_MAX));
    return tms_sat_shl(x - ((int32_t)1 << 29), 2);
}
