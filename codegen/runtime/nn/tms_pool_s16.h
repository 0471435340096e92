/* int16 AVERAGE_POOL_2D and MAX_POOL_2D. Matches TFLite Micro reference_integer_ops::AveragePool
 * / MaxPool for int16 (kernels/internal/reference/integer_ops/pooling.h), including the
 * average's round-half-away division. Parameters from codegen/model/emit_int16.py. */
#ifndef TMS_POOL_S16_H
#define TMS_POOL_S16_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t f_h, f_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
    int32_t maximum; /* 1: MAX_POOL_2D, 0: AVERAGE_POOL_2D */
} tms_pool_s16_params_t;

/* returns 0, or -1 if a window covers no input (the reference fails the same way) */
int tms_pool_s16(const tms_pool_s16_params_t *p, const int16_t *input, int16_t *output);

#endif
