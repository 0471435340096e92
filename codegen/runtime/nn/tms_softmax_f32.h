/* float32 SOFTMAX over the last axis. Matches TFLite's float reference (reference_ops::Softmax):
 * exp((x - max) * beta) / sum. Python reference: codegen/model/emit_float.py. */
#ifndef TMS_SOFTMAX_F32_H
#define TMS_SOFTMAX_F32_H

#include <stdint.h>

void tms_softmax_f32(int32_t outer, int32_t depth, float beta, const float *input, float *output);

#endif
