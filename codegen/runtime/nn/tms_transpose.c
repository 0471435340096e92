/* int8 TRANSPOSE; matches TFLite Micro reference_ops::Transpose. */
#include "tms_transpose.h"

void tms_transpose_s8(const tms_transpose_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t a, b, c, d;
    for (a = 0; a < p->out_dims[0]; ++a) {
        for (b = 0; b < p->out_dims[1]; ++b) {
            for (c = 0; c < p->out_dims[2]; ++c) {
                const int8_t *src = input + a * p->in_strides[0] + b * p->in_strides[1] +
                                    c * p->in_strides[2];
                for (d = 0; d < p->out_dims[3]; ++d) {
                    *output++ = src[d * p->in_strides[3]];
                }
            }
        }
    }
}
