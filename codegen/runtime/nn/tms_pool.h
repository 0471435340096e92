/* int8 AVERAGE_POOL_2D and MAX_POOL_2D.
 * Matches TFLite Micro reference_integer_ops::AveragePool / MaxPool
 * (kernels/internal/reference/integer_ops/pooling.h), including the average's rounding. */
#ifndef TMS_POOL_H
#define TMS_POOL_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t f_h, f_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} tms_pool_params_t;

/* returns 0, or -1 if a window covers no input (the reference fails the same way) */
int tms_avg_pool_s8(const tms_pool_params_t *p, const int8_t *input, int8_t *output);
void tms_max_pool_s8(const tms_pool_params_t *p, const int8_t *input, int8_t *output);

#endif
