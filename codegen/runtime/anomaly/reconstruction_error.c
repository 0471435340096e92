/* Reference: nodes.anomaly.ReconstructionError.reference: float32 throughout, the sum taken in
 * element order, then divided by n and by scale.
 * Each term goes through a volatile float so it is rounded to float32 before it is added: with
 * -std=gnu11 gcc contracts a * b + c into one fused multiply-add (VFMA on a Cortex-M4F), which
 * rounds once instead of twice and would differ from the reference in the last bits. */
#include "reconstruction_error.h"

float tms_reconstruction_error(const float *features, const float *reconstruction, uint32_t n, int metric,
                               float scale)
{
    float sum = 0.0f;
    uint32_t i;
    for (i = 0; i < n; i++) {
        const float d = features[i] - reconstruction[i];
        volatile float term;
        if (metric == TMS_RECONSTRUCTION_MAE) {
            term = d < 0.0f ? -d : d;
        } else {
            term = d * d;
        }
        sum += term;
    }
    return sum / (float)n / scale;
}
