/* Reference: nodes.dsp.Mfcc.reference (log mel energies @ dct_matrix(n_mfcc, n_mels).T). */
#include "mfcc.h"

void tms_mfcc_run(const tms_mfcc_config_t *cfg, const float *signal, float *scratch, float *mel, float *out)
{
    const tms_mel_config_t *m = cfg->mel;
    uint32_t f, k, j;
    for (f = 0; f < m->n_frames; f++) {
        tms_mel_frame(m, &signal[f * m->frame_stride], scratch, mel);
        for (k = 0; k < cfg->n_mfcc; k++) {
            const float *row = &cfg->dct[k * m->n_mels];
            float acc = 0.0f;
            for (j = 0; j < m->n_mels; j++) {
                acc += row[j] * mel[j];
            }
            out[f * cfg->n_mfcc + k] = acc;
        }
    }
}
