/* int16x8 CONV_2D / DEPTHWISE_CONV_2D; matches TFLite Micro reference_integer_ops::
 * ConvPerChannel and DepthwiseConvPerChannel for int16 input (see tms_conv_s16.h). */
#include "tms_conv_s16.h"

#include "tms_s16_common.h"

void tms_conv_s16(const tms_conv_s16_params_t *p, const int16_t *input, const int8_t *filter,
                  const int64_t *bias, const int32_t *multiplier, const int32_t *shift,
                  int16_t *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    int64_t acc = 0;
                    int32_t v;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = y0 + ky * p->dil_h;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = x0 + kx * p->dil_w;
                            const int16_t *in_px;
                            const int8_t *w_px;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            in_px = input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c;
                            w_px = filter + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
                            for (ic = 0; ic < p->in_c; ++ic) {
                                /* |product| < 2^22: the int32 product is exact */
                                acc += (int32_t)in_px[ic] * (int32_t)w_px[ic];
                            }
                        }
                    }
                    if (bias) {
                        acc += bias[oc];
                    }
                    v = tms_mbqm64(acc, multiplier[oc], shift[oc]);
                    *output++ = (int16_t)tms_clamp16(v, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tms_depthwise_conv_s16(const tms_conv_s16_params_t *p, const int16_t *input,
                            const int8_t *filter, const int64_t *bias, const int32_t *multiplier,
                            const int32_t *shift, int16_t *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        int64_t acc = 0;
                        int32_t v;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int32_t iy = y0 + ky * p->dil_h;
                            if (iy < 0 || iy >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t ix = x0 + kx * p->dil_w;
                                if (ix < 0 || ix >= p->in_w) {
                                    continue;
                                }
                                acc += (int32_t)input[((b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic] *
                                       (int32_t)filter[(ky * p->k_w + kx) * p->out_c + oc];
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        v = tms_mbqm64(acc, multiplier[oc], shift[oc]);
                        output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            (int16_t)tms_clamp16(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
