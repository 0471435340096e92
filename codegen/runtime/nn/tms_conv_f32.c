/* float32 convolutions; Python reference: codegen/model/emit_float.py (parameters), semantics of
 * TFLite's float reference kernels (see tms_conv_f32.h). Each output pixel is written after every
 * input it reads, in memory order, which the planner's in-place overlaps rely on. */
#include "tms_conv_f32.h"

static float tms_clamp_f32(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void tms_conv_f32(const tms_conv_f32_params_t *p, const float *input, const float *weights,
                  const float *bias, float *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const float *w_oc = weights + oc * p->k_h * p->k_w * p->in_c;
                    float acc = 0.0f;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t y = y0 + ky * p->dil_h;
                        if (y < 0 || y >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t x = x0 + kx * p->dil_w;
                            const float *px;
                            const float *wk;
                            if (x < 0 || x >= p->in_w) {
                                continue;
                            }
                            px = in_b + (y * p->in_w + x) * p->in_c;
                            wk = w_oc + (ky * p->k_w + kx) * p->in_c;
                            for (ic = 0; ic < p->in_c; ++ic) {
                                acc += px[ic] * wk[ic];
                            }
                        }
                    }
                    if (bias) {
                        acc += bias[oc];
                    }
                    *output++ = tms_clamp_f32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tms_depthwise_conv_f32(const tms_conv_f32_params_t *p, const float *input,
                            const float *weights, const float *bias, float *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        float acc = 0.0f;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int32_t y = y0 + ky * p->dil_h;
                            if (y < 0 || y >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t x = x0 + kx * p->dil_w;
                                if (x < 0 || x >= p->in_w) {
                                    continue;
                                }
                                acc += in_b[(y * p->in_w + x) * p->in_c + ic] *
                                       weights[(ky * p->k_w + kx) * p->out_c + oc];
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        *output++ = tms_clamp_f32(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

void tms_fully_connected_f32(const tms_fc_f32_params_t *p, const float *input,
                             const float *weights, const float *bias, float *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const float *w = weights + o * p->in_depth;
            float acc = 0.0f;
            for (d = 0; d < p->in_depth; ++d) {
                acc += in_b[d] * w[d];
            }
            if (bias) {
                acc += bias[o];
            }
            output[b * p->out_depth + o] = tms_clamp_f32(acc, p->act_min, p->act_max);
        }
    }
}
