/* int8 separable remap; matches the TFLite reference kernels of the data-movement ops listed in
 * tms_remap.h through the index tables codegen/model/remap.py computes. */
#include "tms_remap.h"

void tms_remap_s8(const tms_remap_params_t *p, const int32_t *tables, const int8_t *input,
                  int8_t *output)
{
    const int32_t *t0 = tables + p->start[0], *t1 = tables + p->start[1];
    const int32_t *t2 = tables + p->start[2], *t3 = tables + p->start[3];
    const int32_t *t4 = tables + p->start[4], *t5 = tables + p->start[5];
    int32_t i0, i1, i2, i3, i4, i5;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            const int32_t b1 = t0[i0] + t1[i1];
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t b2 = b1 + t2[i2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const int32_t b3 = b2 + t3[i3];
                    for (i4 = 0; i4 < p->dims[4]; ++i4) {
                        const int32_t b4 = b3 + t4[i4];
                        for (i5 = 0; i5 < p->dims[5]; ++i5) {
                            *output++ = input[b4 + t5[i5]];
                        }
                    }
                }
            }
        }
    }
}
