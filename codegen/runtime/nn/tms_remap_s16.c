/* int16 separable remap and concatenation; see tms_remap_s16.h. */
#include "tms_remap_s16.h"

void tms_remap_s16(const tms_remap_s16_params_t *p, const int32_t *tables, const int16_t *input,
                   int16_t *output)
{
    const int32_t *t[6];
    int32_t i[6], k;
    for (k = 0; k < 6; ++k) {
        t[k] = tables + p->start[k];
    }
    /* one odometer over the 6-D output: every table index stays below its dimension */
    for (k = 0; k < 6; ++k) {
        if (p->dims[k] <= 0) {
            return;
        }
        i[k] = 0;
    }
    for (;;) {
        const int32_t at = t[0][i[0]] + t[1][i[1]] + t[2][i[2]] + t[3][i[3]] + t[4][i[4]] + t[5][i[5]];
        *output++ = at >= 0 ? input[at] : 0; /* negative: PAD's padding (zero point 0) */
        for (k = 5; k >= 0; --k) {
            if (++i[k] < p->dims[k]) {
                break;
            }
            i[k] = 0;
        }
        if (k < 0) {
            return;
        }
    }
}

void tms_concat_s16(int32_t n_inputs, const int16_t *const *inputs, const int32_t *copy_sizes,
                    int32_t outer, int16_t *output)
{
    int32_t o, n, k;
    for (o = 0; o < outer; ++o) {
        for (n = 0; n < n_inputs; ++n) {
            const int16_t *src = inputs[n] + o * copy_sizes[n];
            for (k = 0; k < copy_sizes[n]; ++k) {
                *output++ = src[k];
            }
        }
    }
}
