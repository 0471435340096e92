/* int8 TRANSPOSE_CONV; matches TFLite Micro reference_integer_ops::TransposeConv (see the header).
 * Python reference: codegen/model/emit_more.py (op_transpose_conv). */
#include "tms_transpose_conv.h"
#include "tms_common.h"

void tms_transpose_conv_s8(const tms_transpose_conv_params_t *p, const int8_t *input,
                           const int8_t *weights, const int32_t *bias,
                           const int32_t *multipliers, const int32_t *shifts, int8_t *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (oc = 0; oc < p->out_c; ++oc) {
                    int32_t acc = 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        /* input row iy reaches output row iy * stride - pad + ky == oy */
                        const int32_t ty = oy + p->pad_h - ky;
                        int32_t iy;
                        if (ty < 0 || ty % p->stride_h != 0) {
                            continue;
                        }
                        iy = ty / p->stride_h;
                        if (iy >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t tx = ox + p->pad_w - kx;
                            const int8_t *in_px;
                            const int8_t *w;
                            int32_t ix;
                            if (tx < 0 || tx % p->stride_w != 0) {
                                continue;
                            }
                            ix = tx / p->stride_w;
                            if (ix >= p->in_w) {
                                continue;
                            }
                            in_px = in_b + (iy * p->in_w + ix) * p->in_c;
                            w = weights + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
                            for (ic = 0; ic < p->in_c; ++ic) {
                                acc += (in_px[ic] + p->in_offset) * w[ic];
                            }
                        }
                    }
                    if (bias) {
                        acc += bias[oc];
                    }
                    acc = tms_mbqm(acc, multipliers[oc], shifts[oc]) + p->out_offset;
                    *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
