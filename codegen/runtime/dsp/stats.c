/* Reference: nodes.dsp.Statistics.reference (population moments, Fisher kurtosis, skew and kurtosis
 * 0 for a flat frame, zero counting as positive for zero crossings).
 * Float32 with two things that keep it close to the float64 reference: sums are taken in blocks of
 * TMS_STATS_BLOCK (error grows like the block length plus n / block, not n), and the mean is taken
 * of x - x[0] and the moments about it, so a constant frame has an exact mean and zero spread and a
 * large offset does not cost the digits of a small spread. */
#include "stats.h"

#include <math.h>

#define TMS_STATS_BLOCK 32u

void tms_stats_run(const float *x, uint32_t n, uint32_t channels, uint32_t features, float *out)
{
    uint32_t c, i;
    for (c = 0; c < channels; c++) {
        const float x0 = x[c];
        float lo = x0, hi = x0;
        float sum_d = 0.0f, part_d = 0.0f, sum_sq = 0.0f, part_sq = 0.0f;
        float m2 = 0.0f, m3 = 0.0f, m4 = 0.0f, p2 = 0.0f, p3 = 0.0f, p4 = 0.0f;
        float shift, mean, value;
        uint32_t crossings = 0, in_block = 0, row = 0, bit;
        int prev_positive = x0 >= 0.0f;
        for (i = 0; i < n; i++) {
            const float v = x[i * channels + c];
            const int positive = v >= 0.0f;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            crossings += (uint32_t)(positive != prev_positive);
            prev_positive = positive;
            part_d += v - x0;
            part_sq += v * v;
            if (++in_block == TMS_STATS_BLOCK) {
                sum_d += part_d;
                sum_sq += part_sq;
                part_d = part_sq = 0.0f;
                in_block = 0;
            }
        }
        sum_d += part_d;
        sum_sq += part_sq;
        shift = sum_d / (float)n;
        mean = x0 + shift;
        if (hi > lo) {
            in_block = 0;
            for (i = 0; i < n; i++) {
                /* about x0 first: x - x0 is exact for values close to x0, and shift keeps the digits
                 * of the mean that rounding x0 + shift would lose (a large offset, a small spread) */
                const float d = (x[i * channels + c] - x0) - shift;
                const float d2 = d * d;
                p2 += d2;
                p3 += d2 * d;
                p4 += d2 * d2;
                if (++in_block == TMS_STATS_BLOCK) {
                    m2 += p2;
                    m3 += p3;
                    m4 += p4;
                    p2 = p3 = p4 = 0.0f;
                    in_block = 0;
                }
            }
            m2 = (m2 + p2) / (float)n;
            m3 = (m3 + p3) / (float)n;
            m4 = (m4 + p4) / (float)n;
        } else {
            mean = x0;  /* flat: every moment about the mean is exactly zero */
        }
        for (bit = 0; bit < 8; bit++) {
            if (!(features & (1u << bit))) {
                continue;
            }
            switch (1u << bit) {
            case TMS_STAT_MEAN: value = mean; break;
            case TMS_STAT_RMS: value = sqrtf(sum_sq / (float)n); break;
            case TMS_STAT_STD: value = sqrtf(m2); break;
            case TMS_STAT_MIN: value = lo; break;
            case TMS_STAT_MAX: value = hi; break;
            case TMS_STAT_SKEW: value = (m2 > 0.0f) ? m3 / (m2 * sqrtf(m2)) : 0.0f; break;
            case TMS_STAT_KURTOSIS: value = (m2 > 0.0f) ? m4 / (m2 * m2) - 3.0f : 0.0f; break;
            default: value = (float)crossings; break;
            }
            out[row * channels + c] = value;
            row++;
        }
    }
}
