/* float32 AVERAGE_POOL_2D and MAX_POOL_2D. Matches TFLite's float reference pooling
 * (tensorflow/lite/kernels/internal/reference/pooling.h): the average divides by the number of
 * taps inside the image, then the fused activation clamps. Python reference:
 * codegen/model/emit_float.py. */
#ifndef TMS_POOL_F32_H
#define TMS_POOL_F32_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t f_h, f_w, stride_h, stride_w, pad_h, pad_w;
    float act_min, act_max;
} tms_pool_f32_params_t;

void tms_avg_pool_f32(const tms_pool_f32_params_t *p, const float *input, float *output);
void tms_max_pool_f32(const tms_pool_f32_params_t *p, const float *input, float *output);

#endif
