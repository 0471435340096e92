/* RGB to luma. Reference: nodes.dsp_image.Grayscale.reference, weights from
 * nodes.dsp_tables.grayscale_weights (emitted by codegen.emit_dsp). */
#ifndef TMS_DSP_GRAYSCALE_H
#define TMS_DSP_GRAYSCALE_H

#include <stdint.h>

/* x (pixels, 3) -> y (pixels): weights[0] R + weights[1] G + weights[2] B */
void tms_grayscale(const float *x, float *y, uint32_t pixels, const float weights[3]);

#endif
