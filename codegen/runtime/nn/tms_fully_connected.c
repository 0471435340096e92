/* int8 FULLY_CONNECTED; matches TFLite Micro reference_integer_ops::FullyConnected(PerChannel). */
#include "tms_fully_connected.h"

#include "tms_common.h"

#if TMS_NN_ASM
/* acc[r] += w_r . x over n int8 (n a multiple of 4) for the four rows w, w + k, w + 2k, w + 3k:
 * each input word is split once (SXTB16) and feeds all four rows' SMLADs, 27 instructions per
 * 16 MACs. Assembly: gcc -Os spills this block's accumulators (13 registers). */
TMS_HOT_INLINE void tms_fc4_s8(const int8_t *x, const int8_t *w, int32_t k, int32_t n,
                               int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t t0, t1, t2, t3;
    const int8_t *const end = x + n;
    const int32_t k2 = 2 * k, k3 = 3 * k;
#define TMS_FC4_ROW(A, ADDR)                                                                 \
    "ldr %[t2], " ADDR "\n\t"                                                                \
    "sxtb16 %[t3], %[t2]\n\t"                                                                \
    "sxtb16 %[t2], %[t2], ror #8\n\t"                                                        \
    "smlad %[" A "], %[t3], %[t0], %[" A "]\n\t"                                              \
    "smlad %[" A "], %[t2], %[t1], %[" A "]\n\t"
    __asm__ volatile(
        "1:\n\t"
        "ldr %[t1], [%[x]], #4\n\t"
        "sxtb16 %[t0], %[t1]\n\t"
        "sxtb16 %[t1], %[t1], ror #8\n\t"
        TMS_FC4_ROW("a0", "[%[w]]") TMS_FC4_ROW("a1", "[%[w], %[k]]")
        TMS_FC4_ROW("a2", "[%[w], %[k2]]") TMS_FC4_ROW("a3", "[%[w], %[k3]]")
        "add %[w], %[w], #4\n\t"
        "ldr %[t2], %[end]\n\t"
        "cmp %[x], %[t2]\n\t"
        "bne 1b\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
        : [k] "r"(k), [k2] "r"(k2), [k3] "r"(k3), [end] "m"(end)
        : "cc", "memory");
#undef TMS_FC4_ROW
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

void tms_fully_connected_s8(const tms_fc_params_t *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output)
{
    const int32_t depth = p->in_depth;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * depth;
        const int8_t *w = filter;
        o = 0;
#if TMS_NN_ASM
        /* four rows per pass over the whole-word part of the input, the rest in C */
        if (depth >= 4) {
            const int32_t n4 = depth & ~3;
            const int32_t zp = p->out_offset, lo = p->act_min, hi = p->act_max;
            for (; o + 3 < p->out_depth; o += 4) {
                int32_t acc[4], r;
                for (r = 0; r < 4; ++r) {
                    acc[r] = tms_dot_s8(in_b + n4, w + r * depth + n4, depth - n4, bias[o + r]);
                }
                tms_fc4_s8(in_b, w, depth, n4, acc);
                for (r = 0; r < 4; ++r) {
                    output[r] = tms_out_s8(acc[r], multiplier[o + r], shift[o + r], zp, lo, hi);
                }
                output += 4;
                w += 4 * depth;
            }
        }
#endif
        /* two rows per pass: each input word is loaded once for both */
        for (; o + 1 < p->out_depth; o += 2) {
            int32_t acc0 = bias[o], acc1 = bias[o + 1];
            tms_dot2_s8(in_b, w, w + depth, depth, &acc0, &acc1);
            acc0 = tms_mbqm(acc0, multiplier[o], shift[o]) + p->out_offset;
            acc1 = tms_mbqm(acc1, multiplier[o + 1], shift[o + 1]) + p->out_offset;
            *output++ = (int8_t)tms_clamp(acc0, p->act_min, p->act_max);
            *output++ = (int8_t)tms_clamp(acc1, p->act_min, p->act_max);
            w += 2 * depth;
        }
        if (o < p->out_depth) {
            int32_t acc = tms_dot_s8(in_b, w, depth, bias[o]);
            acc = tms_mbqm(acc, multiplier[o], shift[o]) + p->out_offset;
            *output++ = (int8_t)tms_clamp(acc, p->act_min, p->act_max);
        }
    }
}
