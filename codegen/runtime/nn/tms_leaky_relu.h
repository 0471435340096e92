/* int8 LEAKY_RELU: separate rescaling for the positive and the negative side.
 * Matches TFLite Micro reference_ops::QuantizeLeakyRelu
 * (kernels/internal/reference/leaky_relu.h). */
#ifndef TMS_LEAKY_RELU_H
#define TMS_LEAKY_RELU_H

#include <stdint.h>

typedef struct {
    int32_t size, input_offset, output_offset;
    int32_t identity_multiplier, identity_shift, alpha_multiplier, alpha_shift;
} tms_leaky_relu_params_t;

void tms_leaky_relu_s8(const tms_leaky_relu_params_t *p, const int8_t *input, int8_t *output);

#endif
