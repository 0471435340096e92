/* float32 MEAN, SUM, REDUCE_MAX, REDUCE_MIN over any constant axes of a rank <= 4 input.
 * Matches TFLite's float reference reduction (reference_ops::ReduceGeneric / Mean): the sum of the
 * reduced elements (divided by their count for MEAN), or their max/min. Python reference:
 * codegen/model/emit_float.py. */
#ifndef TMS_REDUCE_F32_H
#define TMS_REDUCE_F32_H

#include <stdint.h>

enum { TMS_F32_REDUCE_MEAN = 0, TMS_F32_REDUCE_SUM = 1, TMS_F32_REDUCE_MAX = 2,
       TMS_F32_REDUCE_MIN = 3 };

typedef struct {
    int32_t dims[4];    /* input shape padded to 4-D on the left */
    int32_t reduce[4];  /* 1 where the axis is reduced */
    int32_t op;
} tms_reduce_f32_params_t;

/* output holds the product of the kept dims, in order */
void tms_reduce_f32(const tms_reduce_f32_params_t *p, const float *input, float *output);

#endif
