/* int16x8 FULLY_CONNECTED: int16 input/output (zero point 0), int8 weights [out, depth],
 * int64 bias, int64 accumulator. Matches TFLite Micro reference_integer_ops::FullyConnected /
 * FullyConnectedPerChannel for int16 (kernels/internal/reference/integer_ops/fully_connected.h);
 * parameters from codegen/model/emit_int16.py. */
#ifndef TMS_FULLY_CONNECTED_S16_H
#define TMS_FULLY_CONNECTED_S16_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_depth, out_depth, act_min, act_max;
} tms_fc_s16_params_t;

void tms_fully_connected_s16(const tms_fc_s16_params_t *p, const int16_t *input,
                             const int8_t *filter, const int64_t *bias,
                             const int32_t *multiplier, const int32_t *shift, int16_t *output);

#endif
