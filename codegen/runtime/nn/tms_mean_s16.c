/* int16 MEAN/SUM; matches TFLite Micro reference_ops::QuantizedMeanOrSum for int16 (see
 * tms_mean_s16.h). */
#include "tms_mean_s16.h"

#include "tms_common.h"
#include "tms_s16_common.h"

void tms_mean_s16(const tms_mean_s16_params_t *p, const int16_t *input, int16_t *output)
{
    int32_t ext[4], lo[4], hi[4], idx[4], r[4];
    int32_t count = 1;
    int32_t k;
    for (k = 0; k < 4; ++k) {
        ext[k] = p->reduce[k] ? 1 : p->dims[k];
        if (p->reduce[k]) {
            count *= p->dims[k];
        }
    }
    for (idx[0] = 0; idx[0] < ext[0]; ++idx[0]) {
        for (idx[1] = 0; idx[1] < ext[1]; ++idx[1]) {
            for (idx[2] = 0; idx[2] < ext[2]; ++idx[2]) {
                for (idx[3] = 0; idx[3] < ext[3]; ++idx[3]) {
                    int32_t sum = 0; /* count * 2^16 < 2^31 (validated) */
                    int32_t best = p->mode == 1 ? -32768 : 32767;
                    int32_t out;
                    for (k = 0; k < 4; ++k) {
                        lo[k] = p->reduce[k] ? 0 : idx[k];
                        hi[k] = p->reduce[k] ? p->dims[k] : idx[k] + 1;
                    }
                    for (r[0] = lo[0]; r[0] < hi[0]; ++r[0]) {
                        for (r[1] = lo[1]; r[1] < hi[1]; ++r[1]) {
                            for (r[2] = lo[2]; r[2] < hi[2]; ++r[2]) {
                                const int32_t row =
                                    ((r[0] * p->dims[1] + r[1]) * p->dims[2] + r[2]) * p->dims[3];
                                for (r[3] = lo[3]; r[3] < hi[3]; ++r[3]) {
                                    const int32_t v = input[row + r[3]];
                                    sum += v;
                                    best = p->mode == 1 ? (v > best ? v : best)
                                                        : (v < best ? v : best);
                                }
                            }
                        }
                    }
                    out = p->mode != 0 ? best
                                       : tms_mbqm(sum - p->in_zero_point * count, p->multiplier,
                                                  p->shift) + p->out_zero_point;
                    *output++ = (int16_t)tms_clamp16(out, -32768, 32767);
                }
            }
        }
    }
}
