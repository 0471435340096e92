/* QUANTIZE between int16 and int8/int16 tensors (the int16x8 model's boundaries and rescales),
 * and int16 RELU / RELU6 (a rescale, or none, then a clamp). Matches TFLite Micro
 * reference_ops::Requantize (kernels/internal/reference/requantize.h) and ReluQuantized /
 * Relu6Quantized (micro/kernels/activations.h); parameters from codegen/model/emit_int16.py. */
#ifndef TMS_REQUANTIZE_S16_H
#define TMS_REQUANTIZE_S16_H

#include <stdint.h>

typedef struct {
    int32_t size, in_zero_point, out_zero_point, multiplier, shift;
    int32_t act_min, act_max; /* the output type's range; RELU/RELU6 narrow it */
} tms_requantize_s16_params_t;

typedef struct {
    int32_t size, identity_multiplier, identity_shift, alpha_multiplier, alpha_shift;
} tms_leaky_relu_s16_params_t;

/* int16 LEAKY_RELU (zero points 0): TFLite Micro reference_ops::QuantizeLeakyRelu */
void tms_leaky_relu_s16(const tms_leaky_relu_s16_params_t *p, const int16_t *input,
                        int16_t *output);
void tms_requantize_s16_s16(const tms_requantize_s16_params_t *p, const int16_t *input,
                            int16_t *output);
void tms_requantize_s16_s8(const tms_requantize_s16_params_t *p, const int16_t *input,
                           int8_t *output);
void tms_requantize_s8_s16(const tms_requantize_s16_params_t *p, const int8_t *input,
                           int16_t *output);

#endif
