/* Float <-> int8 affine quantization, bit-exact with TFLite's QUANTIZE / DEQUANTIZE reference
 * kernels (tensorflow/lite/kernels/internal/reference/quantize.h, dequantize.h):
 *   q = clamp(round_half_away_from_zero(x / scale) + zero_point, -128, 127)
 *   x = scale * (q - zero_point)
 * Python twin: nodes' quantize reference (numpy) must match these. */
#ifndef TMS_QUANT_H
#define TMS_QUANT_H
#include <stddef.h>
#include <stdint.h>

void tms_quantize_int8(const float *x, int8_t *q, size_t n, float scale, int32_t zero_point);
void tms_dequantize_int8(const int8_t *q, float *x, size_t n, float scale, int32_t zero_point);
/* the same for an int16x8 model's int16 input/output (clamped to -32768..32767) */
void tms_quantize_int16(const float *x, int16_t *q, size_t n, float scale, int32_t zero_point);
void tms_dequantize_int16(const int16_t *q, float *x, size_t n, float scale, int32_t zero_point);
/* index of the largest value; the first one on ties (as numpy.argmax) */
int32_t tms_argmax(const float *x, size_t n);

#endif
