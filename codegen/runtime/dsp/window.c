/* Reference: nodes.dsp.Window.reference (frames start at 0, hop, 2 hop, ... of the stream). */
#include "window.h"

void tms_window_init(tms_window_t *w, float *frame, uint32_t window, uint32_t hop, uint32_t channels)
{
    w->frame = frame;
    w->window = window;
    w->hop = hop;
    w->channels = channels;
    w->filled = 0;
    w->skip = 0;
}

int tms_window_push(tms_window_t *w, const float *sample)
{
    const uint32_t c = w->channels;
    uint32_t i;
    if (w->filled == w->window) {
        /* the frame handed out at the previous sample has been used: make room for the next one.
         * Moving the overlap once per hop costs less than copying a whole ring out per frame. */
        if (w->hop < w->window) {
            const uint32_t keep = (w->window - w->hop) * c;
            const float *src = &w->frame[w->hop * c];
            for (i = 0; i < keep; i++) {
                w->frame[i] = src[i];
            }
            w->filled = w->window - w->hop;
        } else {
            w->filled = 0;
            w->skip = w->hop - w->window;
        }
    }
    if (w->skip != 0) {
        w->skip--;
        return 0;
    }
    {
        float *slot = &w->frame[w->filled * c];
        for (i = 0; i < c; i++) {
            slot[i] = sample[i];
        }
    }
    w->filled++;
    return w->filled == w->window;
}
