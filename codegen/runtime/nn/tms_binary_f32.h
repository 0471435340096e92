/* float32 ADD, SUB, MUL, MAXIMUM, MINIMUM with broadcasting up to 4-D. Matches TFLite's float
 * reference kernels (reference_ops::BroadcastAdd4DSlow, BroadcastSubSlow, BroadcastMul4DSlow,
 * MaximumMinimumBroadcastSlow): one IEEE operation per element, then the fused activation clamp.
 * Python reference: codegen/model/emit_float.py. */
#ifndef TMS_BINARY_F32_H
#define TMS_BINARY_F32_H

#include <stdint.h>

enum { TMS_F32_ADD = 0, TMS_F32_SUB = 1, TMS_F32_MUL = 2, TMS_F32_MAX = 3, TMS_F32_MIN = 4 };

typedef struct {
    int32_t dims[4];      /* output shape, padded to 4-D on the left */
    int32_t strides1[4];  /* element strides of input 1 per output dim; 0 where broadcast */
    int32_t strides2[4];
    int32_t op;           /* TMS_F32_ADD ... */
    float act_min, act_max;
} tms_binary_f32_params_t;

void tms_binary_f32(const tms_binary_f32_params_t *p, const float *in1, const float *in2,
                    float *output);

#endif
