/* Reference: nodes.outputs.ThresholdAlert.reference: on when the watched score reaches the
 * threshold, off when it falls below threshold - hysteresis, one alert line at each change. */
#include "threshold_alert.h"

#include "../tms_protocol.h"

void tms_threshold_alert_run(const tms_threshold_alert_config_t *cfg, tms_threshold_alert_state_t *state,
                             const float *scores)
{
    const float score = scores[cfg->index];
    int change = 0;
    if (!state->on && score >= cfg->on_at) {
        state->on = 1;
        change = 1;
    } else if (state->on && score < cfg->off_below) {
        state->on = 0;
        change = 1;
    }
    if (change) {
        tms_put_raw("{\"type\":\"alert\",\"label\":");
        tms_put_raw(cfg->label_json);
        tms_put_raw(",\"index\":");
        tms_put_u32(cfg->index);
        tms_put_raw(",\"score\":");
        tms_put_float(scores[cfg->index], TMS_SCORE_DECIMALS);
        tms_put_raw(state->on ? ",\"state\":\"on\",\"window\":" : ",\"state\":\"off\",\"window\":");
        tms_put_u32(state->window);
        tms_put_raw("}");
        tms_put_line_end();
    }
    state->window++;
}
