/* int8 MEAN over any axes of a tensor of up to 4 dims.
 * Matches TFLite Micro's reduce kernel (micro/kernels/reduce_common.cc, EvalIntegerMean):
 *  mode 1: reference_ops::Mean when input and output share quantization: sum, then a
 *          truncating division by the element count;
 *  mode 2: reference_ops::QuantizedMeanOrSum otherwise: (sum - zp * count) rescaled by a
 *          multiplier that already folds in 1/count. */
#ifndef TMS_MEAN_H
#define TMS_MEAN_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];    /* input shape padded to 4-D on the left */
    int32_t reduce[4];  /* 1 where the axis is reduced */
    int32_t mode;
    int32_t in_zero_point, out_zero_point;
    int32_t multiplier, shift; /* mode 2, 1/count included */
} tms_mean_params_t;

void tms_mean_s8(const tms_mean_params_t *p, const int8_t *input, int8_t *output);

#endif
