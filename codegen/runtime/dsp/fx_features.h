/* Spectrum, mel energies (MFE) and MFCC in fixed point for cores without an FPU: the frame spectrum
 * of fx_fft.h, mel filters in Q15 with a 64-bit sum, an integer natural log in Q10 and the DCT in
 * Q15; only the outputs become float32 (assembled from their bits). Reference: nodes.dsp_fixed
 * (spectrum, mel_energies, mfcc), bit-exact; the float nodes they stand in for are
 * nodes.dsp.Spectrum, nodes.dsp.Mfe and nodes.dsp.Mfcc. */
#ifndef TMS_DSP_FX_FEATURES_H
#define TMS_DSP_FX_FEATURES_H

#include <stdint.h>

#include "fx_fft.h"

typedef struct {
    uint32_t n, channels, bins;
    const int16_t *window_q15;        /* n Hann weights in Q15, or 0 */
    const tms_fx_fft_t *fft;
    int log;                          /* nonzero: ln(max(|X|, log_floor)) */
    int32_t ln_floor_q10;             /* round(ln(log_floor) * 1024) */
} tms_fx_spectrum_config_t;

typedef struct {
    uint32_t frame_length, frame_stride, n_frames;
    int power;                        /* 0: |X|, 1: |X|^2 */
    const int16_t *window_q15;        /* frame_length periodic Hann weights in Q15 */
    const tms_fx_fft_t *fft;
    uint32_t n_bins;                  /* bins up to the last one a mel filter weights */
    uint32_t n_mels;
    const uint16_t *mel_start;        /* nodes.dsp_tables.sparse_rows(mel_filterbank(...)) */
    const uint16_t *mel_length;
    const int16_t *mel_weights_q15;
    int log;
    int32_t ln_floor_q10;
} tms_fx_mel_config_t;

typedef struct {
    const tms_fx_mel_config_t *mel;   /* with log set */
    uint32_t n_mfcc;
    const int16_t *dct_q15;           /* (n_mfcc, n_mels) row-major */
} tms_fx_mfcc_config_t;

/* round(ln(e * 2^exp2) * 1024), at least ln_floor_q10 (also for e = 0), within +-65535. */
int32_t tms_fx_ln_q10(uint64_t e, int32_t exp2, int32_t ln_floor_q10);

/* v * 2^exp2 as a float32 rounded to 24 bits (half up); 0 below the normal range. */
float tms_fx_to_float(uint64_t v, int32_t exp2, int negative);

/* x (n, channels) -> out (bins, channels); bins holds 2 * bins uint32. */
void tms_fx_spectrum_run(const tms_fx_spectrum_config_t *cfg, const float *x, uint32_t *bins, float *out);

/* The mel energies (log: in Q10) of the short frame at signal; bins holds 2 * n_bins uint32.
 * Linear energies are mel[j] * 2^(*exp2). */
void tms_fx_mel_frame(const tms_fx_mel_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel,
                      int32_t *exp2);

/* Every short frame of the window signal -> out (n_frames, n_mels) float. */
void tms_fx_mfe_run(const tms_fx_mel_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel, float *out);

/* signal -> out (n_frames, n_mfcc) float. */
void tms_fx_mfcc_run(const tms_fx_mfcc_config_t *cfg, const float *signal, uint32_t *bins, int64_t *mel,
                     float *out);

#endif
