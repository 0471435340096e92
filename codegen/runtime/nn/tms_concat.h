/* int8 CONCATENATION of inputs sharing the output's quantization (TFLM requires it for int8).
 * Matches TFLite Micro reference_ops::Concatenation (kernels/internal/reference/concatenation.h). */
#ifndef TMS_CONCAT_H
#define TMS_CONCAT_H

#include <stdint.h>

/* outer: product of the dims before the axis; copy_sizes[i]: input i's elements per outer step */
void tms_concat_s8(int32_t n_inputs, const int8_t *const *inputs, const int32_t *copy_sizes,
                   int32_t outer, int8_t *output);

#endif
