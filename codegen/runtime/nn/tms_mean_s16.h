/* int16 MEAN, SUM, REDUCE_MAX and REDUCE_MIN over any constant axes of a tensor of rank <= 4. Matches TFLite Micro's
 * reference_ops::QuantizedMeanOrSum for int16 (kernels/internal/reference/reduce.h): an int32
 * sum per output, minus zero point * count, one requantization (1/count folded into the
 * multiplier for MEAN), clamped to int16. Parameters from codegen/model/emit_int16.py. */
#ifndef TMS_MEAN_S16_H
#define TMS_MEAN_S16_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];   /* input shape padded to 4-D on the left */
    int32_t reduce[4]; /* 1 where the axis is reduced */
    int32_t in_zero_point, out_zero_point, multiplier, shift;
    int32_t mode; /* 0 MEAN/SUM, 1 REDUCE_MAX, 2 REDUCE_MIN (TFLM ReduceGeneric: no rescale) */
} tms_mean_s16_params_t;

void tms_mean_s16(const tms_mean_s16_params_t *p, const int16_t *input, int16_t *output);

#endif
