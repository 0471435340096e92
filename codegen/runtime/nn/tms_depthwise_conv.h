/* int8 DEPTHWISE_CONV_2D, per-channel requantization, any depth multiplier.
 * Matches TFLite Micro reference_integer_ops::DepthwiseConvPerChannel
 * (kernels/internal/reference/integer_ops/depthwise_conv.h). Filter layout 1HW(C*M).
 * ``bias`` is folded with in_offset * (sum of the channel's weights) as in tms_conv.h. */
#ifndef TMS_DEPTHWISE_CONV_H
#define TMS_DEPTHWISE_CONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, depth_multiplier;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
} tms_depthwise_params_t;

void tms_depthwise_conv_s8(const tms_depthwise_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output);

#endif
