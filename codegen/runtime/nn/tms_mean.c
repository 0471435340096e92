/* int8 MEAN; matches TFLite Micro reduce (MEAN) for int8, see tms_mean.h for the three modes. */
#include "tms_mean.h"

#include <math.h>

#include "tms_common.h"

void tms_mean_s8(const tms_mean_params_t *p, const int8_t *input, int8_t *output)
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
                    int32_t sum = 0;
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
                                    sum += input[row + r[3]] -
                                           (p->mode == 0 ? p->in_zero_point : 0);
                                }
                            }
                        }
                    }
                    if (p->mode == 0) {
                        out = tms_mbqm(sum, p->multiplier, p->shift);
                        out = out > 0 ? (out + count / 2) / count : (out - count / 2) / count;
                        out = tms_clamp(out + p->out_zero_point, -128, 127);
                    } else if (p->mode == 1) {
                        out = (int8_t)(sum / count);
                    } else {
                        const float mean = (float)sum / (float)count;
                        float v = roundf(mean * p->scale + p->bias) + (float)p->out_zero_point;
                        v = v < 127.0f ? v : 127.0f;
                        v = v > -128.0f ? v : -128.0f;
                        out = (int32_t)v;
                    }
                    *output++ = (int8_t)out;
                }
            }
        }
    }
}
