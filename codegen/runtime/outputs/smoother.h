/* Steadies class scores over the last inferences (average or majority), with a debounce on the
 * top class. Reference: nodes.outputs.Smoother.reference. */
#ifndef TMS_OUTPUTS_SMOOTHER_H
#define TMS_OUTPUTS_SMOOTHER_H

#include <stdint.h>

#define TMS_SMOOTHER_AVERAGE 0
#define TMS_SMOOTHER_MAJORITY 1

typedef struct {
    uint32_t classes;    /* scores per inference */
    uint32_t windows;    /* inferences remembered, 1..64 */
    uint32_t debounce;   /* wins in a row before the top class may change */
    int32_t mode;        /* TMS_SMOOTHER_AVERAGE or TMS_SMOOTHER_MAJORITY */
    float *history;      /* average: windows x classes floats (a ring of score vectors); else unused */
    uint8_t *votes;      /* majority: windows top-class indices (classes <= 255); else unused */
    float *candidate;    /* classes floats: this inference's smoothed scores */
    float *held;         /* classes floats: the output, repeated while a new top class is debounced */
} tms_smoother_config_t;

typedef struct {
    uint8_t count, head, held, streak;
    int32_t streak_class;   /* -1 before the first inference */
} tms_smoother_state_t;

#define TMS_SMOOTHER_STATE_INIT {0u, 0u, 0u, 0u, -1}

/* Adds one score vector and leaves the smoothed scores in cfg->held. */
void tms_smoother_run(const tms_smoother_config_t *cfg, tms_smoother_state_t *state, const float *scores);

#endif
