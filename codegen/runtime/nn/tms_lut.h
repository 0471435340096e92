/* int8 unary ops as a 256-entry table: out = table[in + 128].
 * The tables are TFLite Micro's integer arithmetic run at compile time on every input byte
 * (codegen/model/lut.py: HARD_SWISH, RELU, RELU6, RELU_N1_TO_1), so the kernel is exact wherever
 * that Python is, and safe for every input byte. */
#ifndef TMS_LUT_H
#define TMS_LUT_H

#include <stdint.h>

void tms_lut_s8(const int8_t table[256], const int8_t *input, int8_t *output, int32_t count);

#endif
