/* int8 REDUCE_MAX / REDUCE_MIN; matches TFLite Micro ReduceGeneric (see tms_reduce.h). */
#include "tms_reduce.h"

void tms_reduce_s8(const tms_reduce_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t ext[4], lo[4], hi[4], idx[4], r[4];
    int32_t k;
    for (k = 0; k < 4; ++k) {
        ext[k] = p->reduce[k] ? 1 : p->dims[k];
    }
    for (idx[0] = 0; idx[0] < ext[0]; ++idx[0]) {
        for (idx[1] = 0; idx[1] < ext[1]; ++idx[1]) {
            for (idx[2] = 0; idx[2] < ext[2]; ++idx[2]) {
                for (idx[3] = 0; idx[3] < ext[3]; ++idx[3]) {
                    int8_t best = p->maximum ? (int8_t)-128 : (int8_t)127;
                    for (k = 0; k < 4; ++k) {
                        lo[k] = p->reduce[k] ? 0 : idx[k];
                        hi[k] = p->reduce[k] ? p->dims[k] : idx[k] + 1;
                    }
                    for (r[0] = lo[0]; r[0] < hi[0]; ++r[0]) {
                        for (r[1] = lo[1]; r[1] < hi[1]; ++r[1]) {
                            for (r[2] = lo[2]; r[2] < hi[2]; ++r[2]) {
                                const int32_t row =
                                    ((r[0] * p->dims[1] + r[1]) * p->dims[2] + r[2]) * p->dims[3];
                                for (r[3] = lo[3]; r[3] < hi[3]; ++r[3]) {
                                    const int8_t v = input[row + r[3]];
                                    if (p->maximum ? v > best : v < best) {
                                        best = v;
                                    }
                                }
                            }
                        }
                    }
                    *output++ = best;
                }
            }
        }
    }
}
