/* float32 convolutions; Python reference: codegen/model/emit_float.py (parameters), semantics of
 * TFLite's float reference kernels (see tms_conv_f32.h). Each output pixel is written after every
 * input it reads, in memory order, which the planner's in-place overlaps rely on. Each kernel body
 * is written once, force-inlined into a float32-weight and a float16-weight entry point, so the
 * weight type is a constant there and the compiler keeps no per-MAC test. */
#include "tms_conv_f32.h"

#include <string.h>

#if defined(__GNUC__)
#define TMS_F32_INLINE static inline __attribute__((always_inline))
#else
#define TMS_F32_INLINE static inline
#endif

float tms_half_to_float(uint16_t half)
{
    const uint32_t h = half;
    const uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    float f;
    if (exponent == 0x1fu) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0u) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0u) {
        bits = sign;
    } else { /* subnormal half: normalise */
        exponent = 113u;
        while ((mantissa & 0x400u) == 0u) {
            mantissa <<= 1;
            --exponent;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* weight i of float32 (half == 0) or float16 (half != 0) weights */
TMS_F32_INLINE float tms_weight(const void *weights, int half, int32_t i)
{
    return half ? tms_half_to_float(((const uint16_t *)weights)[i]) : ((const float *)weights)[i];
}

static float tms_clamp_f32(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

TMS_F32_INLINE void tms_conv_body(const tms_conv_f32_params_t *p, const float *input,
                                  const void *weights, int half, const float *bias, float *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t w_oc = oc * p->k_h * p->k_w * p->in_c;
                    float acc = 0.0f;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t y = y0 + ky * p->dil_h;
                        if (y < 0 || y >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t x = x0 + kx * p->dil_w;
                            const float *px;
                            int32_t wk;
                            if (x < 0 || x >= p->in_w) {
                                continue;
                            }
                            px = in_b + (y * p->in_w + x) * p->in_c;
                            wk = w_oc + (ky * p->k_w + kx) * p->in_c;
                            for (ic = 0; ic < p->in_c; ++ic) {
                                acc += px[ic] * tms_weight(weights, half, wk + ic);
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

TMS_F32_INLINE void tms_depthwise_body(const tms_conv_f32_params_t *p, const float *input,
                                       const void *weights, int half, const float *bias,
                                       float *output)
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
                                       tms_weight(weights, half, (ky * p->k_w + kx) * p->out_c + oc);
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

TMS_F32_INLINE void tms_fc_body(const tms_fc_f32_params_t *p, const float *input,
                                const void *weights, int half, const float *bias, float *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const float *in_b = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int32_t w = o * p->in_depth;
            float acc = 0.0f;
            for (d = 0; d < p->in_depth; ++d) {
                acc += in_b[d] * tms_weight(weights, half, w + d);
            }
            if (bias) {
                acc += bias[o];
            }
            output[b * p->out_depth + o] = tms_clamp_f32(acc, p->act_min, p->act_max);
        }
    }
}

void tms_conv_f32(const tms_conv_f32_params_t *p, const float *input, const float *weights,
                  const float *bias, float *output)
{
    tms_conv_body(p, input, weights, 0, bias, output);
}

void tms_conv_f16w(const tms_conv_f32_params_t *p, const float *input, const uint16_t *weights,
                   const float *bias, float *output)
{
    tms_conv_body(p, input, weights, 1, bias, output);
}

void tms_depthwise_conv_f32(const tms_conv_f32_params_t *p, const float *input,
                            const float *weights, const float *bias, float *output)
{
    tms_depthwise_body(p, input, weights, 0, bias, output);
}

void tms_depthwise_conv_f16w(const tms_conv_f32_params_t *p, const float *input,
                             const uint16_t *weights, const float *bias, float *output)
{
    tms_depthwise_body(p, input, weights, 1, bias, output);
}

void tms_fully_connected_f32(const tms_fc_f32_params_t *p, const float *input,
                             const float *weights, const float *bias, float *output)
{
    tms_fc_body(p, input, weights, 0, bias, output);
}

void tms_fully_connected_f16w(const tms_fc_f32_params_t *p, const float *input,
                              const uint16_t *weights, const float *bias, float *output)
{
    tms_fc_body(p, input, weights, 1, bias, output);
}
