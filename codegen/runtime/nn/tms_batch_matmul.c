/* int8 BATCH_MATMUL; matches TFLite Micro batch_matmul.cc (see the header).
 * Python reference: codegen/model/emit_more.py (op_batch_matmul). */
#include "tms_batch_matmul.h"
#include "tms_common.h"

void tms_batch_matmul_s8(const tms_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                         int8_t *output)
{
    int32_t b0, b1, b2, i, j, k;
    for (b0 = 0; b0 < p->batches[0]; ++b0) {
        for (b1 = 0; b1 < p->batches[1]; ++b1) {
            for (b2 = 0; b2 < p->batches[2]; ++b2) {
                const int8_t *l = lhs + b0 * p->lhs_strides[0] + b1 * p->lhs_strides[1]
                                  + b2 * p->lhs_strides[2];
                const int8_t *r = rhs + b0 * p->rhs_strides[0] + b1 * p->rhs_strides[1]
                                  + b2 * p->rhs_strides[2];
                for (i = 0; i < p->rows; ++i) {
                    for (j = 0; j < p->cols; ++j) {
                        int32_t acc = 0;
                        for (k = 0; k < p->depth; ++k) {
                            acc += (l[i * p->lhs_strides[3] + k * p->lhs_strides[4]] + p->lhs_offset)
                                   * (r[k * p->rhs_strides[3] + j * p->rhs_strides[4]] + p->rhs_offset);
                        }
                        acc = tms_mbqm(acc, p->out_multiplier, p->out_shift) + p->out_offset;
                        *output++ = (int8_t)tms_clamp(acc, -128, 127);
                    }
                }
            }
        }
    }
}
