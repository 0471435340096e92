/* float32 softmax; Python reference: codegen/model/emit_float.py (see tms_softmax_f32.h).
 * Each row's element i is read before it is written (in-place safe). */
#include "tms_softmax_f32.h"

#include <math.h>

void tms_softmax_f32(int32_t outer, int32_t depth, float beta, const float *input, float *output)
{
    int32_t r, i;
    for (r = 0; r < outer; ++r) {
        const float *in = input + r * depth;
        float *out = output + r * depth;
        float max = in[0];
        float sum = 0.0f;
        for (i = 1; i < depth; ++i) {
            max = in[i] > max ? in[i] : max;
        }
        for (i = 0; i < depth; ++i) {
            out[i] = expf((in[i] - max) * beta);
            sum += out[i];
        }
        for (i = 0; i < depth; ++i) {
            out[i] /= sum;
        }
    }
}
