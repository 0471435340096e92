/* int8 CONCATENATION; matches TFLite Micro reference_ops::Concatenation. */
#include "tms_concat.h"

void tms_concat_s8(int32_t n_inputs, const int8_t *const *inputs, const int32_t *copy_sizes,
                   int32_t outer, int8_t *output)
{
    int32_t o, i, k;
    for (o = 0; o < outer; ++o) {
        for (i = 0; i < n_inputs; ++i) {
            const int8_t *src = inputs[i] + o * copy_sizes[i];
            for (k = 0; k < copy_sizes[i]; ++k) {
                *output++ = src[k];
            }
        }
    }
}
