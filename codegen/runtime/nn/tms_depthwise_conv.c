/* int8 DEPTHWISE_CONV_2D; matches TFLite Micro reference_integer_ops::DepthwiseConvPerChannel. */
#include "tms_depthwise_conv.h"

#include "tms_common.h"

/* Padded taps read the input zero point: the folded bias counted them with in_offset = -zp, and
 * w * zp takes exactly that back out, leaving the reference's sum over the taps in the image. */

static int8_t tms_dw_out(const tms_depthwise_params_t *p, int32_t acc, int32_t multiplier,
                         int32_t shift)
{
    acc = tms_mbqm(acc, multiplier, shift) + p->out_offset;
    return (int8_t)tms_clamp(acc, p->act_min, p->act_max);
}

#if TMS_NN_DSP
/* Four neighbouring channels of one output pixel (depth multiplier 1): one word of input and
 * one of weights per tap, each lane multiplied on its own (SMLABB/SMLATT on SXTB16 halves). */
static void tms_dw_four(const tms_depthwise_params_t *p, const int8_t *in_c0, const int8_t *f_c0,
                        int32_t in_y0, int32_t in_x0, int32_t ky0, int32_t ky1, int32_t kx0,
                        int32_t kx1, const int32_t *bias, int32_t *acc)
{
    const uint32_t zp8 = (uint32_t)(-p->in_offset) & 0xFFu;
    const int32_t zp4 = (int32_t)(zp8 * 0x01010101u);
    const int32_t c = p->in_c;
    int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int row_in = ky >= ky0 && ky < ky1;
        /* an offset, not a pointer: for a padded row it lies outside the input and is never used */
        const int32_t row = ((in_y0 + p->dil_h * ky) * p->in_w + in_x0) * c;
        const int8_t *w = f_c0 + ky * p->k_w * c;
        for (kx = 0; kx < p->k_w; ++kx) {
            const int32_t xv = row_in && kx >= kx0 && kx < kx1
                                   ? tms_load4_s8(in_c0 + (row + p->dil_w * kx * c)) : zp4;
            const int32_t wv = tms_load4_s8(w);
            const int32_t xe = __sxtb16(xv), we = __sxtb16(wv);
            const int32_t xo = tms_sxtb16_odd(xv), wo = tms_sxtb16_odd(wv);
            a0 = __smlabb(we, xe, a0);
            a2 = __smlatt(we, xe, a2);
            a1 = __smlabb(wo, xo, a1);
            a3 = __smlatt(wo, xo, a3);
            w += c;
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

void tms_depthwise_conv_s8(const tms_depthwise_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output)
{
    const int32_t out_c = p->in_c * p->depth_multiplier;
    const int32_t zp = -p->in_offset;
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            tms_valid_taps(in_y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                ic = 0;
                tms_valid_taps(in_x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
#if TMS_NN_DSP
                if (p->depth_multiplier == 1) {
                    for (; ic + 4 <= p->in_c; ic += 4) {
                        int32_t acc[4], k;
                        tms_dw_four(p, in_b + ic, filter + ic, in_y0, in_x0, ky0, ky1, kx0, kx1,
                                    bias + ic, acc);
                        for (k = 0; k < 4; ++k) {
                            output[ic + k] = tms_dw_out(p, acc[k], multiplier[ic + k],
                                                        shift[ic + k]);
                        }
                    }
                }
#endif
                for (; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = m + ic * p->depth_multiplier;
                        const int8_t *w = filter + oc;
                        int32_t acc = bias[oc];
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int row_in = ky >= ky0 && ky < ky1;
                            /* an offset: outside the input for a padded row, used only inside it */
                            const int32_t row = ((in_y0 + p->dil_h * ky) * p->in_w + in_x0) * p->in_c + ic;
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t x = row_in && kx >= kx0 && kx < kx1
                                                      ? (int32_t)in_b[row + p->dil_w * kx * p->in_c] : zp;
                                acc += (int32_t)*w * x;
                                w += out_c;
                            }
                        }
                        output[oc] = tms_dw_out(p, acc, multiplier[oc], shift[oc]);
                    }
                }
                output += out_c;
            }
        }
    }
}
