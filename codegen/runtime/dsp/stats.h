/* Statistical features of each channel of a frame. Reference: nodes.dsp.Statistics.reference
 * (which works in float64; this kernel in float32 with blocked sums, see stats.c). */
#ifndef TMS_DSP_STATS_H
#define TMS_DSP_STATS_H

#include <stdint.h>

/* Feature bits, in the order of nodes.dsp.STAT_FEATURES (and of the output rows). */
#define TMS_STAT_MEAN (1u << 0)
#define TMS_STAT_RMS (1u << 1)
#define TMS_STAT_STD (1u << 2)
#define TMS_STAT_MIN (1u << 3)
#define TMS_STAT_MAX (1u << 4)
#define TMS_STAT_SKEW (1u << 5)
#define TMS_STAT_KURTOSIS (1u << 6)
#define TMS_STAT_ZERO_CROSSINGS (1u << 7)

/* x is (n, channels), n >= 2; out is (selected features, channels), features in bit order. */
void tms_stats_run(const float *x, uint32_t n, uint32_t channels, uint32_t features, float *out);

#endif
