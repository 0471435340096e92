/* int8 CONV_2D; matches TFLite Micro reference_integer_ops::ConvPerChannel. */
#include "tms_conv.h"

#include "tms_common.h"

void tms_conv_s8(const tms_conv_params_t *p, const int8_t *input, const int8_t *filter,
                 const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                 int8_t *output)
{
    const int32_t tap_stride = p->in_c;
    const int32_t filter_size = p->k_h * p->k_w * p->in_c;
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            tms_valid_taps(in_y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                int border;
                tms_valid_taps(in_x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                border = ky0 != 0 || ky1 != p->k_h || kx0 != 0 || kx1 != p->k_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int8_t *f_oc = filter + oc * filter_size;
                    int32_t acc = bias[oc];
                    for (ky = ky0; ky < ky1; ++ky) {
                        const int8_t *row = in_b + ((in_y0 + p->dil_h * ky) * p->in_w + in_x0) *
                                                       tap_stride;
                        const int8_t *f_row = f_oc + ky * p->k_w * tap_stride;
                        for (kx = kx0; kx < kx1; ++kx) {
                            const int8_t *px = row + p->dil_w * kx * tap_stride;
                            const int8_t *fk = f_row + kx * tap_stride;
                            for (ic = 0; ic < p->in_c; ++ic) {
                                acc += (int32_t)fk[ic] * (int32_t)px[ic];
                            }
                        }
                    }
                    if (border) { /* the folded bias counted padded taps: take them back out */
                        int32_t pad_sum = 0;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int8_t *fk = f_oc + (ky * p->k_w + kx) * tap_stride;
                                if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1) {
                                    continue;
                                }
                                for (ic = 0; ic < p->in_c; ++ic) {
                                    pad_sum += fk[ic];
                                }
                            }
                        }
                        acc -= pad_sum * p->in_offset;
                    }
                    acc = tms_mbqm(acc, multiplier[oc], shift[oc]) + p->out_offset;
                    *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
