/* int8 DEPTHWISE_CONV_2D, per-channel requantization, any depth multiplier.
 * Matches TFLite Micro reference_integer_ops::DepthwiseConvPerChannel
 * (kernels/internal/reference/integer_ops/depthwise_conv.h). Filter layout 1HW(C*M), or with
 * ``grouped`` (depth multiplier 1, C a multiple of 4; codegen/model/emit.py re-lays it out at
 * compile time) [C/4][H*W][4]: a group of four channels' weights for one tap is one word, and a
 * group's taps follow each other, so the kernel walks them with one post-incremented pointer.
 * ``bias`` is folded with in_offset * (sum of the channel's weights) as in tms_conv.h. */
#ifndef TMS_DEPTHWISE_CONV_H
#define TMS_DEPTHWISE_CONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, depth_multiplier;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
    int32_t grouped; /* 1: weights in groups of four channels (depth multiplier 1, in_c % 4 == 0) */
} tms_depthwise_params_t;

void tms_depthwise_conv_s8(const tms_depthwise_params_t *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, const int32_t *multiplier,
                           const int32_t *shift, int8_t *output);

#endif
