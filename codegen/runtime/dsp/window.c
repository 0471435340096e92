/* Reference: nodes.dsp.Window.reference (frames start at 0, hop, 2 hop, ... of the stream). */
#include "window.h"

void tms_window_init(tms_window_t *w, float *ring, uint32_t window, uint32_t hop, uint32_t channels)
{
    uint32_t i;
    w->ring = ring;
    w->window = window;
    w->hop = hop;
    w->channels = channels;
    w->head = 0;
    w->countdown = window;
    for (i = 0; i < window * channels; i++) {
        ring[i] = 0.0f;
    }
}

int tms_window_push(tms_window_t *w, const float *sample, float *frame)
{
    const uint32_t c = w->channels;
    uint32_t i;
    float *slot = &w->ring[w->head * c];
    for (i = 0; i < c; i++) {
        slot[i] = sample[i];
    }
    w->head = (w->head + 1 == w->window) ? 0 : w->head + 1;
    if (--w->countdown != 0) {
        return 0;
    }
    /* a hop longer than the window simply waits out the samples between frames */
    w->countdown = w->hop;
    {
        const uint32_t older = (w->window - w->head) * c;  /* from head to the end of the ring */
        const uint32_t newer = w->head * c;
        const float *src = &w->ring[newer];
        for (i = 0; i < older; i++) {
            frame[i] = src[i];
        }
        for (i = 0; i < newer; i++) {
            frame[older + i] = w->ring[i];
        }
    }
    return 1;
}
