/* int16 table lookup with interpolation; matches TFLite LUTLookup (kernels/internal/common.h),
 * tables built by codegen/model/quant_s16.py (lut_int16, TFLite's LUTPopulate<int16_t>). */
#include "tms_s16_common.h"

int16_t tms_lut16_lookup(int16_t value, const int16_t *lut)
{
    /* value >> 7 of an int16 is in [-256, 255]: index in [0, 511], index + 1 <= 512 */
    const int32_t index = 256 + ((int32_t)value >> 7);
    const int32_t offset = (int32_t)value & 0x7f;
    const int32_t base = lut[index];
    const int32_t slope = (int32_t)lut[index + 1] - base;
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}
