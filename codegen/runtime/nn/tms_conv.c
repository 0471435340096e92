/* int8 CONV_2D; matches TFLite Micro reference_integer_ops::ConvPerChannel.
 * Output pixels go in pairs through a 2x2 block (two output channels times two pixels share
 * every loaded word: tms_mm2x2_s8): straight from the input when both windows lie inside it,
 * through a small patch copy (im2col, padded taps = the input zero point) when the patch is
 * small; other pixels one at a time with the padded taps' share taken out of the folded bias. */
#include "tms_conv.h"

#include <string.h>

#include "tms_common.h"

/* Stack bytes: a pixel patch up to TMS_CONV_PATCH_MAX bytes is copied (two of them per pair);
 * the second pixel's outputs wait in a buffer of up to TMS_CONV_PAIR_MAX_OC bytes until both
 * pixels are read, because the planner may overlap the output with the input up to the
 * pixel-by-pixel limit (codegen/model/inplace.py): pixel q+1's output may cover pixel q's input. */
#define TMS_CONV_PATCH_MAX 64
#define TMS_CONV_PAIR_MAX_OC 256

static int8_t tms_conv_out(const tms_conv_params_t *p, int32_t acc, int32_t multiplier,
                           int32_t shift)
{
    acc = tms_requant(acc, multiplier, shift) + p->out_offset;
    return (int8_t)tms_clamp(acc, p->act_min, p->act_max);
}

/* One output pixel anywhere (padding, dilation): valid runs of taps through tms_dot2_s8, the
 * padded taps' share (zero point x weight) through tms_dot2_zp_s8. */
static void tms_conv_pixel(const tms_conv_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output)
{
    const int32_t tap_stride = p->in_c;
    const int32_t row_bytes = p->k_w * p->in_c;
    const int32_t filter_size = p->k_h * row_bytes;
    const int32_t zp = -p->in_offset;
    const int32_t in_y0 = oy * p->stride_h - p->pad_h;
    const int32_t in_x0 = ox * p->stride_w - p->pad_w;
    int32_t ky0, ky1, kx0, kx1, left, run, right, oc, ky, kx;
    tms_valid_taps(in_y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
    tms_valid_taps(in_x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
    /* a filter row is [left padded taps | valid taps | right padded taps]; without dilation the
     * valid taps are one contiguous run of bytes in input and filter */
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
                tms_dot2_zp_s8(zp, g0 + left + run, g1 + left + run, right, &acc0, &acc1);
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
}

/* Whether the whole window of output pixel (oy, ox) lies inside the input. */
static int tms_conv_full(const tms_conv_params_t *p, int32_t oy, int32_t ox)
{
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    return y0 >= 0 && x0 >= 0 && y0 + p->dil_h * (p->k_h - 1) < p->in_h &&
           x0 + p->dil_w * (p->k_w - 1) < p->in_w;
}

/* n bytes from src to dst, a word at a time where the core loads unaligned words (a byte loop
 * here becomes a memcpy call, whose set-up costs more than these few bytes). */
TMS_HOT_INLINE void tms_copy_s8(int8_t *dst, const int8_t *src, int32_t n)
{
#if TMS_NN_DSP
    int32_t k;
    for (; n >= 4; n -= 4, dst += 4, src += 4) {
        int32_t v;
        memcpy(&v, src, 4);
        memcpy(dst, &v, 4);
    }
    for (k = 0; k < 3; ++k) { /* a fixed bound: gcc keeps it a loop, not a memcpy call */
        if (k < n) {
            dst[k] = src[k];
        }
    }
#else
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
#endif
}

/* n bytes of v at dst (as tms_copy_s8). */
TMS_HOT_INLINE void tms_fill_s8(int8_t *dst, int8_t v, int32_t n)
{
#if TMS_NN_DSP
    const int32_t v4 = (int32_t)(((uint32_t)v & 0xFFu) * 0x01010101u);
    int32_t k;
    for (; n >= 4; n -= 4, dst += 4) {
        memcpy(dst, &v4, 4);
    }
    for (k = 0; k < 3; ++k) {
        if (k < n) {
            dst[k] = v;
        }
    }
#else
    for (; n > 0; --n) {
        *dst++ = v;
    }
#endif
}

/* The patch of output pixel (oy, ox) in filter order (k_h, k_w, in_c); taps outside the input
 * read the input zero point, which the folded bias expects there. */
static void tms_conv_patch(const tms_conv_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox,
                           int8_t *patch)
{
    const int8_t zp = (int8_t)(-p->in_offset);
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t c = p->in_c, row_bytes = p->k_w * c;
    /* without dilation across, a row is [padded | one run of valid taps | padded] */
    const int32_t kx0 = x0 < 0 ? (-x0 < p->k_w ? -x0 : p->k_w) : 0;
    const int32_t right = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
    const int32_t kx1 = right > kx0 ? right : kx0;
    int32_t ky, kx, i;
    if (p->dil_w == 1 && tms_conv_full(p, oy, ox)) { /* most pixels: rows copied as they are */
        const int8_t *src = in_b + (y0 * p->in_w + x0) * c;
        const int32_t step = p->dil_h * p->in_w * c;
        for (ky = 0; ky < p->k_h; ++ky, patch += row_bytes, src += step) {
            tms_copy_s8(patch, src, row_bytes);
        }
        return;
    }
    for (ky = 0; ky < p->k_h; ++ky, patch += row_bytes) {
        const int32_t y = y0 + p->dil_h * ky;
        if (y < 0 || y >= p->in_h) {
            tms_fill_s8(patch, zp, row_bytes);
        } else if (p->dil_w == 1) {
            /* an offset, not a pointer: before kx0 it lies outside the input, used only past it */
            const int32_t row = (y * p->in_w + x0) * c;
            tms_fill_s8(patch, zp, kx0 * c);
            tms_copy_s8(patch + kx0 * c, in_b + (row + kx0 * c), (kx1 - kx0) * c);
            tms_fill_s8(patch + kx1 * c, zp, row_bytes - kx1 * c);
        } else {
            for (kx = 0; kx < p->k_w; ++kx) {
                const int32_t x = x0 + p->dil_w * kx;
                const int inside = x >= 0 && x < p->in_w;
                for (i = 0; i < c; ++i) {
                    patch[kx * c + i] = inside ? in_b[(y * p->in_w + x) * c + i] : zp;
                }
            }
        }
    }
}

/* Requantizes the two channels' sums a0 (channel 0) and a1 (channel d) to out[0] and out[d]. */
TMS_HOT_INLINE void tms_conv_out2(const tms_conv_params_t *p, int32_t a0, int32_t a1,
                                  const int32_t *multiplier, const int32_t *shift, int32_t d,
                                  int8_t *out)
{
    const int32_t lo = p->act_min, hi = p->act_max, zp = p->out_offset;
    const int8_t v0 = tms_out_s8(a0, multiplier[0], shift[0], zp, lo, hi);
    const int8_t v1 = tms_out_s8(a1, multiplier[d], shift[d], zp, lo, hi);
    out[0] = v0;
    out[d] = v1;
}

/* Two output pixels whose inputs start at xa and xa + dx: a window row after another (rows
 * row_step input bytes apart, seg bytes each; one segment when the window is contiguous), every
 * output channel pair through the 2x2 block. Pixel b's outputs go to out_b after the loop. */
static void tms_conv_pair(const tms_conv_params_t *p, const int8_t *xa, int32_t dx,
                          int32_t segs, int32_t seg, int32_t row_step, const int8_t *filter,
                          const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                          int8_t *out_a, int8_t *out_b)
{
    int8_t pending[TMS_CONV_PAIR_MAX_OC];
    const int32_t filter_size = segs * seg;
    const int32_t out_c = p->out_c;
    int32_t oc, s;
    for (oc = 0; oc < out_c; oc += 2) {
        /* an odd last channel pairs with itself (d = 0: the second result is the same) */
        const int32_t d = oc + 1 < out_c ? 1 : 0;
        const int8_t *f = filter + oc * filter_size;
        int32_t acc[4];
        acc[0] = acc[1] = bias[oc];
        acc[2] = acc[3] = bias[oc + d];
        for (s = 0; s < segs; ++s) {
            tms_mm2x2_s8(xa + s * row_step, dx, f + s * seg, d * filter_size, seg, acc);
        }
        tms_conv_out2(p, acc[0], acc[2], multiplier + oc, shift + oc, d, out_a + oc);
        tms_conv_out2(p, acc[1], acc[3], multiplier + oc, shift + oc, d, pending + oc);
    }
    memcpy(out_b, pending, (size_t)out_c);
}

#if TMS_NN_DSP
/* tms_conv_pair for a contiguous window of n bytes (1x1 convs, patches): the same steps with
 * fewer live values, which gcc -Os then keeps in registers around the SMLAD assembly (measured:
 * 3% fewer instructions there; without the DSP extension the general one compiles better). */
static void tms_conv_pair1(const tms_conv_params_t *p, const int8_t *xa, int32_t dx, int32_t n,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *out_a, int8_t *out_b)
{
    int8_t pending[TMS_CONV_PAIR_MAX_OC];
    const int32_t out_c = p->out_c;
    int8_t *pb = pending;
    int32_t oc;
    for (oc = 0; oc < out_c; oc += 2) {
        const int32_t d = oc + 1 < out_c ? 1 : 0;
        int32_t acc[4];
        acc[0] = acc[1] = bias[0];
        acc[2] = acc[3] = bias[d];
        tms_mm2x2_s8(xa, dx, filter, d * n, n, acc);
        out_a[0] = tms_out_s8(acc[0], multiplier[0], shift[0], p->out_offset, p->act_min, p->act_max);
        pb[0] = tms_out_s8(acc[1], multiplier[0], shift[0], p->out_offset, p->act_min, p->act_max);
        out_a[d] = tms_out_s8(acc[2], multiplier[d], shift[d], p->out_offset, p->act_min, p->act_max);
        pb[d] = tms_out_s8(acc[3], multiplier[d], shift[d], p->out_offset, p->act_min, p->act_max);
        filter += 2 * n;
        bias += 2;
        multiplier += 2;
        shift += 2;
        out_a += 2;
        pb += 2;
    }
    memcpy(out_b, pending, (size_t)out_c);
}
#endif

void tms_conv_s8(const tms_conv_params_t *p, const int8_t *input, const int8_t *filter,
                 const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                 int8_t *output)
{
    const int32_t patch_bytes = p->k_h * p->k_w * p->in_c;
    const int32_t pixels = p->out_h * p->out_w;
    /* a full window without dilation across is k_h rows of k_w * in_c contiguous bytes */
    const int32_t seg = p->k_w * p->in_c;
    const int32_t row_step = p->dil_h * p->in_w * p->in_c;
    const int pairs = p->out_c <= TMS_CONV_PAIR_MAX_OC;
    const int use_patch = pairs && patch_bytes <= TMS_CONV_PATCH_MAX;
    /* straight from the input: one run, or rows long enough for the 2x2 block's 4-byte steps */
    const int direct = pairs && (p->dil_w == 1 || p->k_w == 1) && (p->k_h == 1 || seg >= 16);
    int8_t patch[2 * TMS_CONV_PATCH_MAX];
    int32_t b, q;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (q = 0; q < pixels; q += 2) {
            /* an odd last pixel pairs with itself (both results are the same) */
            const int32_t qb = q + 1 < pixels ? q + 1 : q;
            const int32_t ya = q / p->out_w, xa = q % p->out_w;
            const int32_t yb = qb / p->out_w, xb = qb % p->out_w;
            int8_t *out_a = output + q * p->out_c;
            int8_t *out_b = output + qb * p->out_c;
            if (direct && tms_conv_full(p, ya, xa) && tms_conv_full(p, yb, xb)) {
                const int8_t *pa = in_b + ((ya * p->stride_h - p->pad_h) * p->in_w +
                                           xa * p->stride_w - p->pad_w) * p->in_c;
                const int8_t *pb = in_b + ((yb * p->stride_h - p->pad_h) * p->in_w +
                                           xb * p->stride_w - p->pad_w) * p->in_c;
#if TMS_NN_DSP
                if (p->k_h == 1) {
                    tms_conv_pair1(p, pa, pb - pa, seg, filter, bias, multiplier, shift, out_a,
                                   out_b);
                    continue;
                }
#endif
                tms_conv_pair(p, pa, pb - pa, p->k_h, seg, row_step, filter, bias, multiplier,
                              shift, out_a, out_b);
            } else if (use_patch) {
                tms_conv_patch(p, in_b, ya, xa, patch);
                tms_conv_patch(p, in_b, yb, xb, patch + patch_bytes);
#if TMS_NN_DSP
                tms_conv_pair1(p, patch, patch_bytes, patch_bytes, filter, bias, multiplier, shift,
                               out_a, out_b);
#else
                tms_conv_pair(p, patch, patch_bytes, 1, patch_bytes, 0, filter, bias, multiplier,
                              shift, out_a, out_b);
#endif
            } else {
                tms_conv_pixel(p, in_b, ya, xa, filter, bias, multiplier, shift, out_a);
                if (qb != q) {
                    tms_conv_pixel(p, in_b, yb, xb, filter, bias, multiplier, shift, out_b);
                }
            }
        }
        output += pixels * p->out_c;
    }
}
