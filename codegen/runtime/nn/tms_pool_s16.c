/* int16 pools; matches TFLite Micro reference_integer_ops::AveragePool / MaxPool for int16
 * (see tms_pool_s16.h). */
#include "tms_pool_s16.h"

#include "tms_s16_common.h"

int tms_pool_s16(const tms_pool_s16_params_t *p, const int16_t *input, int16_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = y0 < 0 ? -y0 : 0;
            const int32_t fy1 = p->f_h < p->in_h - y0 ? p->f_h : p->in_h - y0;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = x0 < 0 ? -x0 : 0;
                const int32_t fx1 = p->f_w < p->in_w - x0 ? p->f_w : p->in_w - x0;
                for (c = 0; c < p->channels; ++c) {
                    int32_t acc = p->maximum ? -32768 : 0;
                    int32_t count = 0;
                    for (fy = fy0; fy < fy1; ++fy) {
                        for (fx = fx0; fx < fx1; ++fx) {
                            const int32_t v = input[((b * p->in_h + y0 + fy) * p->in_w + x0 + fx) *
                                                    p->channels + c];
                            if (p->maximum) {
                                acc = v > acc ? v : acc;
                            } else {
                                acc += v; /* window < 2^16 values (validated): no overflow */
                            }
                            ++count;
                        }
                    }
                    if (!p->maximum) {
                        if (count == 0) {
                            return -1;
                        }
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *output++ = (int16_t)tms_clamp16(acc, p->act_min, p->act_max);
                }
            }
        }
    }
    return 0;
}
