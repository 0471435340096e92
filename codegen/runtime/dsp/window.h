/* Sliding window over a stream: frames of `window` samples starting every `hop` samples, kept in the
 * stage's output buffer itself (no separate ring), so the window costs one frame of RAM.
 * Reference: nodes.dsp.Window.reference. */
#ifndef TMS_DSP_WINDOW_H
#define TMS_DSP_WINDOW_H

#include <stdint.h>

typedef struct {
    float *frame;         /* window * channels floats: the output buffer */
    uint32_t window, hop, channels;
    uint32_t filled;      /* samples of the next frame already in place */
    uint32_t skip;        /* samples still to drop before the next frame starts (hop > window) */
} tms_window_t;

void tms_window_init(tms_window_t *w, float *frame, uint32_t window, uint32_t hop, uint32_t channels);

/* Adds one sample (channels floats). Returns 1 when this sample completes a frame, which is then in
 * frame (window, channels), oldest sample first, until the next call. */
int tms_window_push(tms_window_t *w, const float *sample);

#endif
