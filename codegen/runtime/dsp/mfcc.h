/* MFCC: log mel energies (mfe.h) times the orthonormal DCT-II, first n_mfcc rows.
 * Reference: nodes.dsp.Mfcc.reference; DCT from nodes.dsp_tables.dct_matrix. */
#ifndef TMS_DSP_MFCC_H
#define TMS_DSP_MFCC_H

#include <stdint.h>

#include "mfe.h"

typedef struct {
    const tms_mel_config_t *mel;   /* with log set */
    uint32_t n_mfcc;
    const float *dct;              /* (n_mfcc, n_mels) row-major */
} tms_mfcc_config_t;

/* signal -> out (n_frames, n_mfcc); scratch holds n_fft + 2 floats, mel n_mels floats. */
void tms_mfcc_run(const tms_mfcc_config_t *cfg, const float *signal, float *scratch, float *mel, float *out);

#endif
