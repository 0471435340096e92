/* float32 pooling; Python reference: codegen/model/emit_float.py (see tms_pool_f32.h). */
#include "tms_pool_f32.h"

static void tms_pool_f32(const tms_pool_f32_params_t *p, const float *input, float *output,
                         int average)
{
    int32_t b, oy, ox, c, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t ky0 = y0 < 0 ? -y0 : 0;
                const int32_t kx0 = x0 < 0 ? -x0 : 0;
                const int32_t ky1 = p->in_h - y0 < p->f_h ? p->in_h - y0 : p->f_h;
                const int32_t kx1 = p->in_w - x0 < p->f_w ? p->in_w - x0 : p->f_w;
                for (c = 0; c < p->channels; ++c) {
                    float acc = average ? 0.0f : -3.402823466e38f;
                    int32_t count = 0;
                    float v;
                    for (ky = ky0; ky < ky1; ++ky) {
                        for (kx = kx0; kx < kx1; ++kx) {
                            const float x = input[((b * p->in_h + y0 + ky) * p->in_w + x0 + kx) *
                                                  p->channels + c];
                            if (average) {
                                acc += x;
                            } else if (x > acc) {
                                acc = x;
                            }
                            ++count;
                        }
                    }
                    v = average ? (count > 0 ? acc / (float)count : 0.0f) : acc;
                    v = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
                    *output++ = v;
                }
            }
        }
    }
}

void tms_avg_pool_f32(const tms_pool_f32_params_t *p, const float *input, float *output)
{
    tms_pool_f32(p, input, output, 1);
}

void tms_max_pool_f32(const tms_pool_f32_params_t *p, const float *input, float *output)
{
    tms_pool_f32(p, input, output, 0);
}
