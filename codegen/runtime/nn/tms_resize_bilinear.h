/* int8 RESIZE_BILINEAR on raw int8 values (input and output share one quantization).
 * Matches TFLite Micro resize_bilinear.cc -> reference_ops::ResizeBilinearInteger (10-bit
 * fractional positions, products rounded half away from zero by 2^20: the default double
 * rounding). The per-row and per-column source offsets and weights are computed and
 * range-checked at compile time by codegen/model/emit_more.py (resize_bilinear_tables). */
#ifndef TMS_RESIZE_BILINEAR_H
#define TMS_RESIZE_BILINEAR_H

#include <stdint.h>

typedef struct {
    int32_t batches, out_h, out_w, channels;
    int32_t in_batch_stride;  /* in_h * in_w * channels */
    const int32_t *y0, *y1;   /* per output row: element offset of source rows y0 and y1 */
    const int32_t *wy;        /* per output row: input_y - 1024 * y0 (weight of row y1) */
    const int32_t *x0, *x1;   /* per output column: element offset of source columns */
    const int32_t *wx;
} tms_resize_bilinear_params_t;

void tms_resize_bilinear_s8(const tms_resize_bilinear_params_t *p, const int8_t *input,
                            int8_t *output);

#endif
