/* The anomaly score of an autoencoder: its reconstruction error. Reference:
 * nodes.anomaly.ReconstructionError.reference. */
#ifndef TMS_ANOMALY_RECONSTRUCTION_ERROR_H
#define TMS_ANOMALY_RECONSTRUCTION_ERROR_H

#include <stdint.h>

#define TMS_RECONSTRUCTION_MSE 0
#define TMS_RECONSTRUCTION_MAE 1

/* mean (features - reconstruction)^2 (metric TMS_RECONSTRUCTION_MSE) or mean |features -
 * reconstruction| (TMS_RECONSTRUCTION_MAE) over n > 0 values, divided by scale; float32. */
float tms_reconstruction_error(const float *features, const float *reconstruction, uint32_t n, int metric,
                               float scale);

#endif
