/* int8 table lookup; the tables match TFLite Micro's kernels (see tms_lut.h, codegen/model/lut.py). */
#include "tms_lut.h"

void tms_lut_s8(const int8_t table[256], const int8_t *input, int8_t *output, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; ++i) {
        output[i] = table[(int32_t)input[i] + 128];
    }
}
