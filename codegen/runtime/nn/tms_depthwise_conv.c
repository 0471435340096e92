/* int8 DEPTHWISE_CONV_2D; matches TFLite Micro reference_integer_ops::DepthwiseConvPerChannel. */
#include "tms_depthwise_conv.h"

#include "tms_common.h"

void tms_depthwise_conv_s8(const tms_depthwise_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output)
{
    const int32_t out_c = p->in_c * p->depth_multiplier;
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = m + ic * p->depth_multiplier;
                        int32_t acc = 0;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int32_t in_y = in_y0 + p->dil_h * ky;
                            if (in_y < 0 || in_y >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t in_x = in_x0 + p->dil_w * kx;
                                if (in_x < 0 || in_x >= p->in_w) {
                                    continue;
                                }
                                acc += (int32_t)filter[(ky * p->k_w + kx) * out_c + oc] *
                                       ((int32_t)in_b[(in_y * p->in_w + in_x) * p->in_c + ic] +
                                        p->in_offset);
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        acc = tms_mbqm(acc, multiplier[oc], shift[oc]) + p->out_offset;
                        output[oc] = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
                    }
                }
                output += out_c;
            }
        }
    }
}
