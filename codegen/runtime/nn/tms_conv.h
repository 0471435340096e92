/* int8 CONV_2D, per-channel requantization.
 * Matches TFLite Micro reference_integer_ops::ConvPerChannel (kernels/internal/reference/
 * integer_ops/conv.h). Layouts: input NHWC, filter OHWI, output NHWC.
 * ``bias`` is folded: bias + in_offset * (sum of the channel's weights), computed offline, so
 * interior pixels accumulate plain products; border pixels subtract the padded taps' share
 * (the same int32 sum as the reference, term for term). */
#ifndef TMS_CONV_H
#define TMS_CONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
} tms_conv_params_t;

void tms_conv_s8(const tms_conv_params_t *p, const int8_t *input, const int8_t *filter,
                 const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                 int8_t *output);

#endif
