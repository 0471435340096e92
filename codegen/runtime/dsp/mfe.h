/* Mel filterbank energies of the short frames inside an audio window, optionally logged; the part
 * of MFCC before the DCT (mfcc.c builds on it). Reference: nodes.dsp.Mfe.reference
 * (nodes.dsp._MelNode.mel_energies). */
#ifndef TMS_DSP_MFE_H
#define TMS_DSP_MFE_H

#include <stdint.h>

#include "fft.h"

typedef struct {
    uint32_t frame_length, frame_stride, n_frames;
    int power;                         /* 0: |X|, 1: |X|^2 */
    const float *window;               /* frame_length periodic Hann weights */
    const tms_fft_tables_t *fft;
    uint32_t n_mels;
    const uint16_t *mel_start;         /* nodes.dsp_tables.sparse_rows(mel_filterbank(...)) */
    const uint16_t *mel_length;
    const float *mel_weights;
    int log;                           /* nonzero: log(max(e, log_floor)) */
    float log_floor;
} tms_mel_config_t;

/* The n_mels energies of the short frame starting at signal: scratch holds n_fft + 2 floats. */
void tms_mel_frame(const tms_mel_config_t *cfg, const float *signal, float *scratch, float *mel);

/* Every short frame of the window signal -> out (n_frames, n_mels). */
void tms_mfe_run(const tms_mel_config_t *cfg, const float *signal, float *scratch, float *out);

#endif
