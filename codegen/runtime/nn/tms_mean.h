/* int8 MEAN over any axes of a tensor of up to 4 dims.
 * Matches TFLite Micro's reduce kernel for int8 MEAN (reference_ops::QuantizedMeanOrSum,
 * kernels/internal/reference/reduce.h): (sum - zp * count) rescaled by a multiplier that
 * already folds in 1/count. TFLM rounds this way even when input and output share
 * quantization (checked against its interpreter). */
#ifndef TMS_MEAN_H
#define TMS_MEAN_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];    /* input shape padded to 4-D on the left */
    int32_t reduce[4];  /* 1 where the axis is reduced */
    int32_t in_zero_point, out_zero_point;
    int32_t multiplier, shift; /* input/output scale ratio with 1/count folded in */
} tms_mean_params_t;

void tms_mean_s8(const tms_mean_params_t *p, const int8_t *input, int8_t *output);

#endif
