/* int8 MAXIMUM / MINIMUM; matches TFLite Micro maximum_minimum.cc (see tms_maximum.h). */
#include "tms_maximum.h"

void tms_maximum_s8(const tms_maximum_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < p->dims[0]; ++i0) {
        for (i1 = 0; i1 < p->dims[1]; ++i1) {
            for (i2 = 0; i2 < p->dims[2]; ++i2) {
                const int32_t base1 = i0 * p->strides1[0] + i1 * p->strides1[1] + i2 * p->strides1[2];
                const int32_t base2 = i0 * p->strides2[0] + i1 * p->strides2[1] + i2 * p->strides2[2];
                for (i3 = 0; i3 < p->dims[3]; ++i3) {
                    const int8_t a = in1[base1 + i3 * p->strides1[3]];
                    const int8_t b = in2[base2 + i3 * p->strides2[3]];
                    *output++ = p->maximum ? (a > b ? a : b) : (a < b ? a : b);
                }
            }
        }
    }
}
