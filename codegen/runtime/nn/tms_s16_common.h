/* Shared arithmetic of the int16x8 kernels (int16 activations, int8 weights, int64 biases).
 * Matches TFLite's MultiplyByQuantizedMultiplier(int64_t, ...) (kernels/internal/common.cc) and
 * LUTLookup for int16 (kernels/internal/common.h); the Python side is codegen/model/quant_s16.py. */
#ifndef TMS_S16_COMMON_H
#define TMS_S16_COMMON_H

#include <stdint.h>

/* TFLite MultiplyByQuantizedMultiplier for a 64-bit accumulator: the multiplier is reduced to
 * 16 bits and the product shifted right by 15 - shift with rounding. The compiler only emits
 * shift in [-31, 7] and |x| < 2^47 (validated), so the product cannot overflow int64. */
static inline int32_t tms_mbqm64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int total_shift = 15 - (int)shift;
    const int64_t v = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
    /* arithmetic shift of a negative value: implementation-defined in C99, an arithmetic
     * shift on gcc for every target we build (the reference relies on the same) */
    return (int32_t)(v >> total_shift);
}

static inline int32_t tms_clamp16(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* TFLite LUTLookup(int16_t, const int16_t *lut): 512 intervals, linear interpolation on the
 * low 7 bits; ``lut`` holds 513 entries. */
int16_t tms_lut16_lookup(int16_t value, const int16_t *lut);

#endif
