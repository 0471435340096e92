/* Sliding window over a stream: a ring of the last `window` samples and a countdown to the next
 * frame, so a frame is emitted after `window` samples and then every `hop` samples.
 * Reference: nodes.dsp.Window.reference. */
#ifndef TMS_DSP_WINDOW_H
#define TMS_DSP_WINDOW_H

#include <stdint.h>

typedef struct {
    float *ring;          /* window * channels floats */
    uint32_t window, hop, channels;
    uint32_t head;        /* ring slot the next sample goes to: the oldest sample once full */
    uint32_t countdown;   /* samples still to come before the next frame is complete */
} tms_window_t;

void tms_window_init(tms_window_t *w, float *ring, uint32_t window, uint32_t hop, uint32_t channels);

/* Adds one sample (channels floats). Returns 1 and writes the frame (window, channels), oldest
 * sample first, into frame when this sample completes a frame; returns 0 otherwise. */
int tms_window_push(tms_window_t *w, const float *sample, float *frame);

#endif
