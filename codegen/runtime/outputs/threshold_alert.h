/* A hysteresis alert on one class score, printed as a protocol line at each change.
 * Reference: nodes.outputs.ThresholdAlert.reference, which compares a float32 score widened to double
 * with double thresholds. For a float score s and a double t, s >= t exactly when s >= the smallest
 * float >= t, so the thresholds arrive rounded up to float (codegen.emit_outputs) and the kernel
 * compares floats: the same decisions without pulling soft-double code (~1.2 KB) into the image. */
#ifndef TMS_OUTPUTS_THRESHOLD_ALERT_H
#define TMS_OUTPUTS_THRESHOLD_ALERT_H

#include <stdint.h>

typedef struct {
    float on_at;             /* the smallest float >= threshold: a score reaching it reaches the threshold */
    float off_below;         /* the smallest float >= threshold - hysteresis (that difference in double) */
    uint32_t index;          /* the watched score */
    const char *label_json;  /* its label as a JSON string literal, quotes included */
} tms_threshold_alert_config_t;

typedef struct {
    int32_t on;
    uint32_t window;         /* inferences seen before this one */
} tms_threshold_alert_state_t;

/* Watches scores[cfg->index] and prints {"type":"alert","label":...,"index":...,"score":...,"state":"on"|"off",
 * "window":N} when the state changes. */
void tms_threshold_alert_run(const tms_threshold_alert_config_t *cfg, tms_threshold_alert_state_t *state,
                             const float *scores);

#endif
