/* int8 REDUCE_MAX and REDUCE_MIN over any constant axes of a tensor of up to 4 dims.
 * Matches TFLite Micro reduce_common.cc EvalMinMaxHelper (reference_ops::ReduceGeneric): the raw
 * int8 values are compared (TFLM requires the output to share the input's quantization, and so
 * does the compiler). */
#ifndef TMS_REDUCE_H
#define TMS_REDUCE_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];    /* input shape padded to 4-D on the left */
    int32_t reduce[4];  /* 1 where the axis is reduced */
    int32_t maximum;    /* 1: REDUCE_MAX, 0: REDUCE_MIN */
} tms_reduce_params_t;

void tms_reduce_s8(const tms_reduce_params_t *p, const int8_t *input, int8_t *output);

#endif
