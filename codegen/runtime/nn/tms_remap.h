/* int8 data movement through separable index tables: output element (i0..i5) copies input element
 * T0[i0] + T1[i1] + ... + T5[i5]. STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, UNPACK, GATHER (constant
 * indices), DEPTH_TO_SPACE, SPACE_TO_DEPTH and RESIZE_NEAREST_NEIGHBOR compile to it; the tables
 * come from TFLite's reference semantics run at compile time (codegen/model/remap.py), which also
 * checks that every index lies inside the input. */
#ifndef TMS_REMAP_H
#define TMS_REMAP_H

#include <stdint.h>

typedef struct {
    int32_t dims[6];   /* output shape padded to 6-D on the left */
    int32_t start[6];  /* where axis k's table begins in the table array */
} tms_remap_params_t;

void tms_remap_s8(const tms_remap_params_t *p, const int32_t *tables, const int8_t *input,
                  int8_t *output);

#endif
