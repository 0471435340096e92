/* int16x8 CONV_2D and DEPTHWISE_CONV_2D: int16 input/output (zero point 0), int8 per-channel
 * weights, int64 bias, int64 accumulator. Matches TFLite Micro reference_integer_ops::
 * ConvPerChannel / DepthwiseConvPerChannel for int16 (kernels/internal/reference/integer_ops/
 * conv.h, depthwise_conv.h). Parameters come from codegen/model/emit_int16.py. */
#ifndef TMS_CONV_S16_H
#define TMS_CONV_S16_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t depth_multiplier; /* depthwise only */
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t act_min, act_max;
} tms_conv_s16_params_t;

/* filter OHWI */
void tms_conv_s16(const tms_conv_s16_params_t *p, const int16_t *input, const int8_t *filter,
                  const int64_t *bias, const int32_t *multiplier, const int32_t *shift,
                  int16_t *output);
/* filter 1HW(C*M) */
void tms_depthwise_conv_s16(const tms_conv_s16_params_t *p, const int16_t *input,
                            const int8_t *filter, const int64_t *bias, const int32_t *multiplier,
                            const int32_t *shift, int16_t *output);

#endif
