/* int8 pooling; matches TFLite Micro reference_integer_ops::AveragePool and ::MaxPool. */
#include "tms_pool.h"

#include "tms_common.h"

static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

int tms_avg_pool_s8(const tms_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->channels;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = max32(0, -in_y0);
            const int32_t fy1 = min32(p->f_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = max32(0, -in_x0);
                const int32_t fx1 = min32(p->f_w, p->in_w - in_x0);
                const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                if (fy1 <= fy0 || fx1 <= fx0) {
                    return -1;
                }
                for (c = 0; c < p->channels; ++c) {
                    int32_t acc = 0;
                    for (fy = fy0; fy < fy1; ++fy) {
                        const int8_t *row = in_b + ((in_y0 + fy) * p->in_w + in_x0) * p->channels;
                        for (fx = fx0; fx < fx1; ++fx) {
                            acc += row[fx * p->channels + c];
                        }
                    }
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
    return 0;
}

void tms_max_pool_s8(const tms_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->channels;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = max32(0, -in_y0);
            const int32_t fy1 = min32(p->f_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = max32(0, -in_x0);
                const int32_t fx1 = min32(p->f_w, p->in_w - in_x0);
                for (c = 0; c < p->channels; ++c) {
                    int32_t best = -128;
                    for (fy = fy0; fy < fy1; ++fy) {
                        const int8_t *row = in_b + ((in_y0 + fy) * p->in_w + in_x0) * p->channels;
                        for (fx = fx0; fx < fx1; ++fx) {
                            best = max32(best, row[fx * p->channels + c]);
                        }
                    }
                    *output++ = (int8_t)tms_clamp(best, p->act_min, p->act_max);
                }
            }
        }
    }
}
