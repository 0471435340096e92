/* int8 RESIZE_BILINEAR; matches TFLite Micro ResizeBilinearInteger (see the header).
 * Python reference: codegen/model/emit_more.py (resize_bilinear_tables, op_resize_bilinear). */
#include "tms_resize_bilinear.h"

void tms_resize_bilinear_s8(const tms_resize_bilinear_params_t *p, const int8_t *input,
                            int8_t *output)
{
    int32_t b, y, x, c;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * p->in_batch_stride;
        for (y = 0; y < p->out_h; ++y) {
            const int64_t wy1 = p->wy[y];
            const int64_t wy0 = 1024 - wy1;
            for (x = 0; x < p->out_w; ++x) {
                const int64_t wx1 = p->wx[x];
                const int64_t wx0 = 1024 - wx1;
                const int8_t *ll = in + p->y0[y] + p->x0[x];
                const int8_t *lu = in + p->y1[y] + p->x0[x];
                const int8_t *rl = in + p->y0[y] + p->x1[x];
                const int8_t *ru = in + p->y1[y] + p->x1[x];
                for (c = 0; c < p->channels; ++c) {
                    const int64_t sum = ll[c] * wy0 * wx0 + lu[c] * wy1 * wx0
                                        + rl[c] * wy0 * wx1 + ru[c] * wy1 * wx1;
                    const int64_t v = sum + (sum > 0 ? (1 << 19) : -(1 << 19));
                    /* v / 2^20 truncating like C division, by shifts: no 64-bit divide call;
                     * the reference's static_cast<int8_t> wraps modulo 2^8 (gcc) */
                    *output++ = (int8_t)(v >= 0 ? (v >> 20) : -((-v) >> 20));
                }
            }
        }
    }
}
