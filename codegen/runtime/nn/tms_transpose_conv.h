/* int8 TRANSPOSE_CONV (Keras Conv2DTranspose), per-channel weights [out_c, k_h, k_w, in_c].
 * Matches TFLite Micro transpose_conv.cc -> reference_integer_ops::TransposeConv. TFLM scatters
 * each input into an int32 scratch buffer; this kernel gathers, per output element, the same
 * products (the taps whose input lands on it), so the int32 sums are equal without the
 * scratch buffer. Python reference: codegen/model/emit_more.py (op_transpose_conv). */
#ifndef TMS_TRANSPOSE_CONV_H
#define TMS_TRANSPOSE_CONV_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
} tms_transpose_conv_params_t;

void tms_transpose_conv_s8(const tms_transpose_conv_params_t *p, const int8_t *input,
                           const int8_t *weights, const int32_t *bias,
                           const int32_t *multipliers, const int32_t *shifts, int8_t *output);

#endif
