/* int8 FULLY_CONNECTED, per-tensor or per-channel requantization.
 * Matches TFLite Micro reference_integer_ops::FullyConnected / FullyConnectedPerChannel
 * (kernels/internal/reference/integer_ops/fully_connected.h). Filter layout [out][in]. */
#ifndef TMS_FULLY_CONNECTED_H
#define TMS_FULLY_CONNECTED_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t in_offset, out_offset, act_min, act_max;
} tms_fc_params_t;

/* multiplier/shift hold one entry per output channel (repeated when per-tensor); ``bias`` is
 * folded offline with in_offset * (sum of the row's weights), so the loop is plain products. */
void tms_fully_connected_s8(const tms_fc_params_t *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output);

#endif
