/* int8 DEPTHWISE_CONV_2D; matches TFLite Micro reference_integer_ops::DepthwiseConvPerChannel.
 * Padded taps read the input zero point: the folded bias counted them with in_offset = -zp, and
 * w * zp takes exactly that back out, leaving the reference's sum over the taps in the image.
 * Depth multiplier 1 and channels a multiple of four (every MobileNet/DS-CNN layer): the weights
 * come grouped (see tms_depthwise_conv.h), an output pixel whose window lies inside the input
 * runs its taps without bounds checks, and on the DSP path four neighbouring channels share one
 * word of input and one of weights per tap. Otherwise: one output channel at a time. */
#include "tms_depthwise_conv.h"

#include "tms_common.h"

/* A border pixel's tap offsets (and on the DSP path its patch for one group of four channels,
 * a word per tap) live on the stack when the filter has at most this many taps; larger filters
 * check every tap instead. */
#define TMS_DW_PATCH_TAPS 25
/* Stack bytes of zero-point input a border pixel's padded taps read (3x3, DSP path). */
#define TMS_DW_ZP_ROW 128

TMS_HOT_INLINE int8_t tms_dw_out(const tms_depthwise_params_t *p, int32_t acc, int32_t multiplier,
                                 int32_t shift)
{
    acc = tms_requant(acc, multiplier, shift) + p->out_offset;
    return (int8_t)tms_clamp(acc, p->act_min, p->act_max);
}

#if TMS_NN_DSP
/* acc[k] += w[k] * x[k] for the four lanes of one tap: x and w one word each, split into even
 * and odd bytes (SXTB16), each lane multiplied on its own (SMLABB/SMLATT). */
TMS_HOT_INLINE void tms_dw4_tap(int32_t xv, int32_t wv, int32_t *acc)
{
    const int32_t xe = __sxtb16(xv), we = __sxtb16(wv);
    const int32_t xo = tms_sxtb16_odd(xv), wo = tms_sxtb16_odd(wv);
    acc[0] = __smlabb(we, xe, acc[0]);
    acc[2] = __smlatt(we, xe, acc[2]);
    acc[1] = __smlabb(wo, xo, acc[1]);
    acc[3] = __smlatt(wo, xo, acc[3]);
}

/* One tap of four channels in the assembly blocks below: the input word in t0, the next weight
 * word from w; each lane multiplied on its own (SMLABB/SMLATT on SXTB16 halves). */
#define TMS_DW4_MAC                                                                          \
    "ldr %[t2], [%[w]], #4\n\t"                                                              \
    "sxtb16 %[t1], %[t0]\n\t"                                                                \
    "sxtb16 %[t0], %[t0], ror #8\n\t"                                                        \
    "sxtb16 %[t3], %[t2]\n\t"                                                                \
    "sxtb16 %[t2], %[t2], ror #8\n\t"                                                        \
    "smlabb %[a0], %[t3], %[t1], %[a0]\n\t"                                                  \
    "smlatt %[a2], %[t3], %[t1], %[a2]\n\t"                                                  \
    "smlabb %[a1], %[t2], %[t0], %[a1]\n\t"                                                  \
    "smlatt %[a3], %[t2], %[t0], %[a3]\n\t"

/* A 3x3 window for four channels: tap (ky, kx) at x + ky rs + kx cs, weights the next nine
 * words at *w (the grouped layout). Assembly: gcc -Os keeps the four accumulators of this
 * block on the stack (three loads and stores per tap); here 10 instructions a tap and one
 * more a row. */
TMS_HOT_INLINE void tms_dw4_3x3(const int8_t *x, int32_t rs, int32_t cs, const int8_t **w,
                                int32_t *acc)
{
#if TMS_NN_ASM
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t t0, t1, t2, t3;
    const int8_t *wp = *w, *xp = x;
    const int32_t rs_cs = rs - cs; /* from a row's middle tap to the next row's first */
#define TMS_DW4_TAP(XADDR) "ldr %[t0], " XADDR "\n\t" TMS_DW4_MAC
#define TMS_DW4_ROW                                                                          \
    TMS_DW4_TAP("[%[x]]") TMS_DW4_TAP("[%[x], %[cs]]") "add %[x], %[x], %[cs]\n\t"            \
    TMS_DW4_TAP("[%[x], %[cs]]")
    /* 12 registers: fits with the frame pointer taken too */
    __asm__(TMS_DW4_ROW "add %[x], %[x], %[rs_cs]\n\t" TMS_DW4_ROW
            "add %[x], %[x], %[rs_cs]\n\t" TMS_DW4_ROW
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(wp),
              [x] "+r"(xp), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [rs_cs] "r"(rs_cs), [cs] "r"(cs)
            : "memory");
#undef TMS_DW4_ROW
#undef TMS_DW4_TAP
    *w = wp;
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    int32_t t;
    for (t = 0; t < 9; ++t) {
        tms_dw4_tap(tms_load4_s8(x + (t / 3) * rs + (t % 3) * cs), tms_load4_s8(*w), acc);
        *w += 4;
    }
#endif
}
#endif

#if TMS_NN_DSP
/* tms_dw4_3x3 for a border pixel: tap k's input word at tp[k] + ic, where tp[k] points into
 * the input or, for a padded tap, at a row of zero-point bytes (11 instructions a tap). */
TMS_HOT_INLINE void tms_dw4_3x3_table(const int8_t *const *tp, int32_t ic, const int8_t **w,
                                      int32_t *acc)
{
#if TMS_NN_ASM
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t t0, t1, t2, t3;
    const int8_t *wp = *w;
#define TMS_DW4_TAPT(K) "ldr %[t0], [%[tb], #" K "]\n\t" "ldr %[t0], [%[t0], %[ic]]\n\t" TMS_DW4_MAC
    __asm__(TMS_DW4_TAPT("0") TMS_DW4_TAPT("4") TMS_DW4_TAPT("8") TMS_DW4_TAPT("12")
            TMS_DW4_TAPT("16") TMS_DW4_TAPT("20") TMS_DW4_TAPT("24") TMS_DW4_TAPT("28")
            TMS_DW4_TAPT("32")
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(wp),
              [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [tb] "r"(tp), [ic] "r"(ic)
            : "memory");
#undef TMS_DW4_TAPT
    *w = wp;
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    int32_t k;
    for (k = 0; k < 9; ++k) {
        tms_dw4_tap(tms_load4_s8(tp[k] + ic), tms_load4_s8(*w), acc);
        *w += 4;
    }
#endif
}
#endif

#if TMS_NN_DSP
/* Every group of four channels of one output pixel of a 3x3 depthwise layer: from the input
 * (offs NULL: the window is inside it, first tap at in_b + x0), or at the border through a
 * table of tap pointers (offs: tap offsets, -1 padded, which reads zrow: zero-point bytes, at
 * least in_c of them), or without zrow (wide layers) from a patch gathered per group. A function of its own:
 * with few live values gcc -Os keeps the loop's pointers in registers. */
static void tms_dw_groups_3x3(const tms_depthwise_params_t *p, const int8_t *in_b, int32_t x0,
                              const int32_t *offs, const int8_t *zrow, const int8_t *w,
                              const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                              int8_t *out)
{
    const int32_t zp = p->out_offset, lo = p->act_min, hi = p->act_max;
    const int32_t zp4 = (int32_t)(((uint32_t)(-p->in_offset) & 0xFFu) * 0x01010101u);
    const int32_t c = p->in_c;
    const int32_t rs = p->dil_h * p->in_w * c, cs = p->dil_w * c;
    const int8_t *tp[9];
    int32_t patch[9];
    int32_t ic, k;
    if (offs && zrow) {
        for (k = 0; k < 9; ++k) {
            tp[k] = offs[k] >= 0 ? in_b + offs[k] : zrow;
        }
    }
    for (ic = 0; ic < c; ic += 4) {
        int32_t acc[4];
        acc[0] = bias[0];
        acc[1] = bias[1];
        acc[2] = bias[2];
        acc[3] = bias[3];
        if (!offs) {
            tms_dw4_3x3(in_b + x0 + ic, rs, cs, &w, acc);
        } else if (zrow) {
            tms_dw4_3x3_table(tp, ic, &w, acc);
        } else {
            for (k = 0; k < 9; ++k) {
                patch[k] = offs[k] >= 0 ? tms_load4_s8(in_b + offs[k] + ic) : zp4;
            }
            tms_dw4_3x3((const int8_t *)patch, 12, 4, &w, acc);
        }
        out[0] = tms_out_s8(acc[0], multiplier[0], shift[0], zp, lo, hi);
        out[1] = tms_out_s8(acc[1], multiplier[1], shift[1], zp, lo, hi);
        out[2] = tms_out_s8(acc[2], multiplier[2], shift[2], zp, lo, hi);
        out[3] = tms_out_s8(acc[3], multiplier[3], shift[3], zp, lo, hi);
        bias += 4;
        multiplier += 4;
        shift += 4;
        out += 4;
    }
}
#endif

/* Output pixel with depth multiplier 1 and channels a multiple of four, weights grouped
 * (tms_depthwise_params_t.grouped). x0 is the input offset of its window's first tap (an
 * offset, not a pointer: for a border pixel it may lie outside the input); full: the whole
 * window is inside. A border pixel's taps are gathered per group of four channels into a small
 * patch (padded taps = the zero point), which then runs like an inner pixel. */
static void tms_dw_pixel_grouped(const tms_depthwise_params_t *p, const int8_t *in_b,
                                 int32_t x0, int full, int32_t ky0, int32_t ky1, int32_t kx0,
                                 int32_t kx1, const int8_t *zrow, const int8_t *filter,
                                 const int32_t *bias, const int32_t *multiplier,
                                 const int32_t *shift, int8_t *output)
{
    const int32_t c = p->in_c, taps = p->k_h * p->k_w;
    const int32_t row_step = p->dil_h * p->in_w * c, col_step = p->dil_w * c;
    const int32_t zp_out = p->out_offset, lo = p->act_min, hi = p->act_max;
    /* input offset of every tap of this pixel, -1 for a padded one */
    int32_t offs[TMS_DW_PATCH_TAPS];
    const int small = taps <= TMS_DW_PATCH_TAPS;
    int32_t ic, ky, kx, k;
    if (!full && small) {
        for (k = 0, ky = 0; ky < p->k_h; ++ky) {
            const int row_in = ky >= ky0 && ky < ky1;
            for (kx = 0; kx < p->k_w; ++kx, ++k) {
                offs[k] = row_in && kx >= kx0 && kx < kx1 ? x0 + ky * row_step + kx * col_step
                                                          : -1;
            }
        }
    }
#if TMS_NN_DSP
    if (p->k_h == 3 && p->k_w == 3) {
        tms_dw_groups_3x3(p, in_b, x0, full ? (const int32_t *)0 : offs, zrow, filter, bias,
                          multiplier, shift, output);
        return;
    }
    {
        const uint32_t zp8 = (uint32_t)(-p->in_offset) & 0xFFu;
        const int32_t zp4 = (int32_t)(zp8 * 0x01010101u);
        int32_t patch[TMS_DW_PATCH_TAPS];
        for (ic = 0; ic < c; ic += 4) {
            const int8_t *w = filter + ic * taps;
            const int8_t *x = in_b + x0 + ic;
            int32_t rs = row_step, cs = col_step;
            int32_t acc[4];
            acc[0] = bias[ic];
            acc[1] = bias[ic + 1];
            acc[2] = bias[ic + 2];
            acc[3] = bias[ic + 3];
            if (!full && small) {
                for (k = 0; k < taps; ++k) {
                    patch[k] = offs[k] >= 0 ? tms_load4_s8(in_b + offs[k] + ic) : zp4;
                }
                x = (const int8_t *)patch;
                rs = 4 * p->k_w;
                cs = 4;
            }
            if (full || small) {
                if (p->k_h == 3 && p->k_w == 3) {
                    tms_dw4_3x3(x, rs, cs, &w, acc);
                } else {
                    for (ky = 0; ky < p->k_h; ++ky, x += rs) {
                        for (kx = 0; kx < p->k_w; ++kx, w += 4) {
                            tms_dw4_tap(tms_load4_s8(x + kx * cs), tms_load4_s8(w), acc);
                        }
                    }
                }
            } else {
                for (ky = 0; ky < p->k_h; ++ky) {
                    const int row_in = ky >= ky0 && ky < ky1;
                    for (kx = 0; kx < p->k_w; ++kx, w += 4) {
                        const int32_t xv = row_in && kx >= kx0 && kx < kx1
                                               ? tms_load4_s8(in_b + (x0 + ky * row_step + kx * col_step + ic))
                                               : zp4;
                        tms_dw4_tap(xv, tms_load4_s8(w), acc);
                    }
                }
            }
            for (k = 0; k < 4; ++k) {
                output[ic + k] = tms_out_s8(acc[k], multiplier[ic + k], shift[ic + k], zp_out, lo,
                                            hi);
            }
        }
    }
#else
    (void)zrow; /* the plain path reads the zero point without a table */
    for (ic = 0; ic < c; ++ic) {
        /* channel ic: lane ic % 4 of its group's words, one word per tap */
        const int8_t *w = filter + (ic & ~3) * taps + (ic & 3);
        int32_t acc = bias[ic];
        if (full) {
            const int8_t *x = in_b + x0 + ic;
            for (ky = 0; ky < p->k_h; ++ky, x += row_step) {
                const int8_t *xr = x;
                for (kx = 0; kx < p->k_w; ++kx, xr += col_step, w += 4) {
                    acc += (int32_t)*w * *xr;
                }
            }
        } else if (small) {
            const int32_t zp = -p->in_offset;
            for (k = 0; k < taps; ++k, w += 4) {
                acc += (int32_t)*w * (offs[k] >= 0 ? (int32_t)in_b[offs[k] + ic] : zp);
            }
        } else {
            const int32_t zp = -p->in_offset;
            for (ky = 0; ky < p->k_h; ++ky) {
                const int row_in = ky >= ky0 && ky < ky1;
                for (kx = 0; kx < p->k_w; ++kx, w += 4) {
                    const int32_t xv = row_in && kx >= kx0 && kx < kx1
                                           ? (int32_t)in_b[x0 + ky * row_step + kx * col_step + ic]
                                           : zp;
                    acc += (int32_t)*w * xv;
                }
            }
        }
        output[ic] = tms_out_s8(acc, multiplier[ic], shift[ic], zp_out, lo, hi);
    }
#endif
}

/* Output pixel (oy, ox), any depth multiplier: one output channel at a time. */
static void tms_dw_pixel(const tms_depthwise_params_t *p, const int8_t *in_b, int32_t in_y0,
                         int32_t in_x0, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1,
                         const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                         const int32_t *shift, int8_t *output)
{
    const int32_t out_c = p->in_c * p->depth_multiplier;
    const int32_t zp = -p->in_offset;
    int32_t ic, m, ky, kx;
    for (ic = 0; ic < p->in_c; ++ic) {
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
}

void tms_depthwise_conv_s8(const tms_depthwise_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output)
{
    const int32_t out_c = p->in_c * p->depth_multiplier;
    /* zero-point bytes a padded tap of a border pixel reads (DSP path, 3x3, in_c up to the
     * row's size; wider layers gather a patch instead) */
    int32_t zwords[TMS_DW_ZP_ROW / 4];
    const int8_t *zrow = 0;
    int32_t b, oy, ox;
    if (TMS_NN_DSP && p->grouped && p->in_c <= TMS_DW_ZP_ROW) {
        const int32_t zp4 = (int32_t)(((uint32_t)(-p->in_offset) & 0xFFu) * 0x01010101u);
        for (b = 0; b < p->in_c / 4; ++b) {
            zwords[b] = zp4;
        }
        zrow = (const int8_t *)zwords;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            tms_valid_taps(in_y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                tms_valid_taps(in_x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                if (p->grouped) {
                    const int full = ky0 == 0 && ky1 == p->k_h && kx0 == 0 && kx1 == p->k_w;
                    tms_dw_pixel_grouped(p, in_b, (in_y0 * p->in_w + in_x0) * p->in_c, full, ky0,
                                         ky1, kx0, kx1, zrow, filter, bias, multiplier, shift,
                                         output);
                } else {
                    tms_dw_pixel(p, in_b, in_y0, in_x0, ky0, ky1, kx0, kx1, filter, bias,
                                 multiplier, shift, output);
                }
                output += out_c;
            }
        }
    }
}
