/* Reference: nodes.outputs.Smoother.reference, bit for bit: numpy's float32 mean(axis=0) adds the
 * remembered vectors oldest first and divides by the count in float32; a majority share is votes /
 * count, numpy's int / float32 division (in double, rounded to float; here in float, the same); the first of
 * equal scores wins the arg-max; the held output changes when the new top class equals the held
 * one's or has won `debounce` inferences in a row. */
#include "smoother.h"

#include <stddef.h>

#include "../tms_quant.h"

void tms_smoother_run(const tms_smoother_config_t *cfg, tms_smoother_state_t *state, const float *scores)
{
    const uint32_t n = cfg->classes, w = cfg->windows;
    uint32_t k, j, first;
    int32_t top;
    if (cfg->mode == TMS_SMOOTHER_AVERAGE) {
        for (k = 0; k < n; k++) {
            cfg->history[(size_t)state->head * n + k] = scores[k];
        }
    } else {
        cfg->votes[state->head] = (uint8_t)tms_argmax(scores, n);
    }
    state->head = (uint8_t)((state->head + 1u) % w);
    if (state->count < w) {
        state->count++;
    }
    first = (state->head + w - state->count) % w;
    for (k = 0; k < n; k++) {
        if (cfg->mode == TMS_SMOOTHER_AVERAGE) {
            float sum = cfg->history[(size_t)first * n + k];
            for (j = 1; j < state->count; j++) {
                sum += cfg->history[(size_t)((first + j) % w) * n + k];
            }
            cfg->candidate[k] = sum / (float)state->count;
        } else {
            uint32_t votes = 0;
            for (j = 0; j < state->count; j++) {
                votes += (uint32_t)(cfg->votes[(first + j) % w] == k);
            }
            /* correctly rounded float division of small integers equals numpy's division in
             * double rounded to float (double rounding is innocuous for division: 53 >= 2 * 24 + 2) */
            cfg->candidate[k] = (float)votes / (float)state->count;
        }
    }
    top = tms_argmax(cfg->candidate, n);
    if (top == state->streak_class) {
        if (state->streak < 255u) {
            state->streak++;
        }
    } else {
        state->streak = 1u;
        state->streak_class = top;
    }
    if (!state->held || top == tms_argmax(cfg->held, n) || state->streak >= cfg->debounce) {
        for (k = 0; k < n; k++) {
            cfg->held[k] = cfg->candidate[k];
        }
        state->held = 1u;
    }
}
