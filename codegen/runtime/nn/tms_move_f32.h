/* Data movement of 4-byte elements (float32 models): CONCATENATION, PAD, TRANSPOSE and the
 * separable remap of codegen/model/remap.py (STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, UNPACK, GATHER,
 * DEPTH_TO_SPACE, SPACE_TO_DEPTH, RESIZE_NEAREST_NEIGHBOR). The same index arithmetic as the int8
 * kernels tms_concat.c, tms_pad.c, tms_transpose.c and tms_remap.c on float elements; the remap
 * tables are computed and range-checked by codegen/model/remap.py (the Python reference). */
#ifndef TMS_MOVE_F32_H
#define TMS_MOVE_F32_H

#include <stdint.h>

typedef struct {
    int32_t dims[6];   /* output shape padded to 6-D on the left */
    int32_t start[6];  /* where axis k's table begins in the table array */
} tms_remap_f32_params_t;

typedef struct {
    int32_t in_dims[4], before[4], out_dims[4];  /* padded to 4-D on the left */
} tms_pad_f32_params_t;

typedef struct {
    int32_t out_dims[4], in_strides[4];  /* input stride of each output dim */
} tms_transpose_f32_params_t;

void tms_concat_f32(int32_t count, const float *const *parts, const int32_t *sizes, int32_t outer,
                    float *output);
void tms_pad_f32(const tms_pad_f32_params_t *p, const float *input, float *output);
void tms_transpose_f32(const tms_transpose_f32_params_t *p, const float *input, float *output);
void tms_remap_f32(const tms_remap_f32_params_t *p, const int32_t *tables, const float *input,
                   float *output);

#endif
