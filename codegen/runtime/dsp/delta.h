/* Delta and delta-delta of frame features (HTK's regression formula, edge frames repeated).
 * Reference: nodes.dsp.Delta.reference (nodes.dsp.delta_frames). */
#ifndef TMS_DSP_DELTA_H
#define TMS_DSP_DELTA_H

#include <stdint.h>

typedef struct {
    uint32_t frames;          /* rows of the input, >= 2 */
    uint32_t features;        /* columns of the input */
    uint32_t width;           /* frames each side, N */
    uint32_t order;           /* 1: delta; 2: delta and delta-delta */
    uint32_t include_input;   /* 1: the input row leads each output row */
    float scale;              /* 1 / (2 * sum n^2 for n = 1..N), rounded to float by the emitter */
} tms_delta_config_t;

/* x is (frames, features); out is (frames, features * (include_input + order)), each row
 * [input | delta | delta-delta]. The delta-delta is the delta of the delta block, read from out. */
void tms_delta_run(const tms_delta_config_t *cfg, const float *x, float *out);

#endif
