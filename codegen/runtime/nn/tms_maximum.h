/* int8 MAXIMUM and MINIMUM with broadcasting (up to 4-D).
 * Matches TFLite Micro's maximum_minimum.cc (reference_ops::MaximumMinimumBroadcastSlow): the raw
 * int8 values are compared; the converter gives both inputs and the output one quantization, and
 * the compiler refuses a model where they differ. */
#ifndef TMS_MAXIMUM_H
#define TMS_MAXIMUM_H

#include <stdint.h>

typedef struct {
    int32_t dims[4];      /* output shape, padded to 4-D on the left */
    int32_t strides1[4];  /* element strides of input 1 per output dim; 0 where broadcast */
    int32_t strides2[4];
    int32_t maximum;      /* 1: MAXIMUM, 0: MINIMUM */
} tms_maximum_params_t;

void tms_maximum_s8(const tms_maximum_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *output);

#endif
