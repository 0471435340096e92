/* float32 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED for cores with an FPU, with float32
 * weights or IEEE float16 weights (TFLite's float16 quantization) expanded one at a time as they
 * are read, so float16 halves the weights' flash and costs no RAM.
 * Matches TFLite's float reference kernels (tensorflow/lite/kernels/internal/reference/conv.h,
 * depthwiseconv_float.h, fully_connected.h): the same products and the same fused activation clamp;
 * only the summation order may differ from the interpreter's optimized kernels (tolerance in
 * tests/codegen/model/test_float_ops.py). Python reference: codegen/model/emit_float.py. */
#ifndef TMS_CONV_F32_H
#define TMS_CONV_F32_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t depth_multiplier; /* depthwise only */
    float act_min, act_max;
} tms_conv_f32_params_t;

typedef struct {
    int32_t batches, in_depth, out_depth;
    float act_min, act_max;
} tms_fc_f32_params_t;

/* IEEE binary16 bit pattern -> float (normals, subnormals, zeros, inf, NaN); exact */
float tms_half_to_float(uint16_t h);

/* The _f16w variants take the same weights as IEEE half bit patterns. */
void tms_conv_f16w(const tms_conv_f32_params_t *p, const float *input, const uint16_t *weights,
                   const float *bias, float *output);
void tms_depthwise_conv_f16w(const tms_conv_f32_params_t *p, const float *input,
                             const uint16_t *weights, const float *bias, float *output);
void tms_fully_connected_f16w(const tms_fc_f32_params_t *p, const float *input,
                              const uint16_t *weights, const float *bias, float *output);

/* weights [out_c][k_h][k_w][in_c]; bias may be 0 (no bias) */
void tms_conv_f32(const tms_conv_f32_params_t *p, const float *input, const float *weights,
                  const float *bias, float *output);
/* weights [k_h][k_w][in_c * depth_multiplier] */
void tms_depthwise_conv_f32(const tms_conv_f32_params_t *p, const float *input,
                            const float *weights, const float *bias, float *output);
/* weights [out_depth][in_depth] */
void tms_fully_connected_f32(const tms_fc_f32_params_t *p, const float *input,
                             const float *weights, const float *bias, float *output);

#endif
