/* int8 CONV_2D; matches TFLite Micro reference_integer_ops::ConvPerChannel. */
#include "tms_conv.h"

#include "tms_common.h"

static int8_t tms_conv_out(const tms_conv_params_t *p, int32_t acc, int32_t multiplier,
                           int32_t shift)
{
    acc = tms_mbqm(acc, multiplier, shift) + p->out_offset;
    return (int8_t)tms_clamp(acc, p->act_min, p->act_max);
}

void tms_conv_s8(const tms_conv_params_t *p, const int8_t *input, const int8_t *filter,
                 const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                 int8_t *output)
{
    const int32_t tap_stride = p->in_c;
    const int32_t row_bytes = p->k_w * p->in_c;
    const int32_t filter_size = p->k_h * row_bytes;
    const int32_t zp = -p->in_offset;
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            tms_valid_taps(in_y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1, left, run, right;
                tms_valid_taps(in_x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                /* a filter row is [left padded taps | valid taps | right padded taps]; without
                 * dilation the valid taps are one contiguous run of bytes in input and filter */
                left = kx0 * tap_stride;
                run = (kx1 - kx0) * tap_stride;
                right = row_bytes - left - run;
                for (oc = 0; oc < p->out_c; oc += 2) {
                    /* an odd last channel pairs with itself (the second result is the same) */
                    const int32_t oc1 = oc + 1 < p->out_c ? oc + 1 : oc;
                    const int8_t *f0 = filter + oc * filter_size;
                    const int8_t *f1 = filter + oc1 * filter_size;
                    int32_t acc0 = bias[oc], acc1 = bias[oc1];
                    if (ky0 > 0) {
                        tms_dot2_zp_s8(zp, f0, f1, ky0 * row_bytes, &acc0, &acc1);
                    }
                    if (ky1 < p->k_h) {
                        const int32_t tail = ky1 * row_bytes;
                        tms_dot2_zp_s8(zp, f0 + tail, f1 + tail, filter_size - tail, &acc0, &acc1);
                    }
                    for (ky = ky0; ky < ky1; ++ky) {
                        /* an offset: with left padding it starts before the row, used only past it */
                        const int32_t row = ((in_y0 + p->dil_h * ky) * p->in_w + in_x0) * tap_stride;
                        const int8_t *g0 = f0 + ky * row_bytes;
                        const int8_t *g1 = f1 + ky * row_bytes;
                        if (left > 0) {
                            tms_dot2_zp_s8(zp, g0, g1, left, &acc0, &acc1);
                        }
                        if (right > 0) {
                            tms_dot2_zp_s8(zp, g0 + left + run, g1 + left + run, right, &acc0,
                                           &acc1);
                        }
                        if (p->dil_w == 1) {
                            tms_dot2_s8(in_b + (row + left), g0 + left, g1 + left, run, &acc0, &acc1);
                            continue;
                        }
                        for (kx = kx0; kx < kx1; ++kx) {
                            const int32_t fk = kx * tap_stride;
                            tms_dot2_s8(in_b + (row + p->dil_w * kx * tap_stride), g0 + fk, g1 + fk,
                                        tap_stride, &acc0, &acc1);
                        }
                    }
                    output[oc] = tms_conv_out(p, acc0, multiplier[oc], shift[oc]);
                    output[oc1] = tms_conv_out(p, acc1, multiplier[oc1], shift[oc1]);
                }
                output += p->out_c;
            }
        }
    }
}
