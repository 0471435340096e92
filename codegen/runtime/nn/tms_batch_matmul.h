/* int8 BATCH_MATMUL (adj_x / adj_y and batch broadcasting folded into strides by the compiler).
 * Matches TFLite Micro's batch_matmul.cc + reference_ops::BatchMatMul<int8_t, int32_t>:
 * out[b, i, j] = clamp(MBQM(sum_k (lhs[b, i, k] - lhs_zp) * (rhs[b, k, j] - rhs_zp)) + out_zp).
 * Python reference: codegen/model/emit_more.py (op_batch_matmul) computes every parameter. */
#ifndef TMS_BATCH_MATMUL_H
#define TMS_BATCH_MATMUL_H

#include <stdint.h>

typedef struct {
    int32_t batches[3];     /* output batch dims, padded to 3 on the left */
    int32_t rows, cols, depth;
    int32_t lhs_strides[5]; /* element strides of lhs for (b0, b1, b2, row, k); 0 = broadcast */
    int32_t rhs_strides[5]; /* element strides of rhs for (b0, b1, b2, k, col) */
    int32_t lhs_offset, rhs_offset, out_offset;
    int32_t out_multiplier, out_shift;
} tms_batch_matmul_params_t;

void tms_batch_matmul_s8(const tms_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                         int8_t *output);

#endif
