/* int8 TRANSPOSE (up to 4-D): a pure permutation of elements.
 * Matches TFLite Micro reference_ops::Transpose (kernels/internal/reference/transpose.h). */
#ifndef TMS_TRANSPOSE_H
#define TMS_TRANSPOSE_H

#include <stdint.h>

typedef struct {
    int32_t out_dims[4];    /* output shape padded to 4-D on the left */
    int32_t in_strides[4];  /* input element stride for each output dim (permuted) */
} tms_transpose_params_t;

void tms_transpose_s8(const tms_transpose_params_t *p, const int8_t *input, int8_t *output);

#endif
