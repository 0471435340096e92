/* int16 data movement: the separable remap of tms_remap.h on int16 elements (STRIDED_SLICE,
 * SLICE, SPLIT, SPLIT_V, UNPACK, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH, RESIZE_NEAREST_NEIGHBOR
 * and TRANSPOSE, whose tables codegen/model/remap.py and emit_int16.py compute at compile time;
 * PAD too: a padded position's index is negative and reads as 0, int16's zero point, as TFLite
 * Micro's reference_ops::Pad writes it) and CONCATENATION (reference_ops::Concatenation). Pure
 * copies: exact by construction. The compiler checks every non-negative index is inside the
 * input. */
#ifndef TMS_REMAP_S16_H
#define TMS_REMAP_S16_H

#include <stdint.h>

typedef struct {
    int32_t dims[6];   /* output shape padded to 6-D on the left */
    int32_t start[6];  /* where axis k's table begins in the table array */
} tms_remap_s16_params_t;

void tms_remap_s16(const tms_remap_s16_params_t *p, const int32_t *tables, const int16_t *input,
                   int16_t *output);
void tms_concat_s16(int32_t n_inputs, const int16_t *const *inputs, const int32_t *copy_sizes,
                    int32_t outer, int16_t *output);

#endif
