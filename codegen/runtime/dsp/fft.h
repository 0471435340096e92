/* Real FFT of n_fft points (a power of two) and the magnitude spectrum of one weighted frame, the
 * front end shared by spectrum.c and mfe.c. Two implementations of this header, picked at link time
 * by the emitter: fft.c in float32 (cores with an FPU) and fft_q15.c in Q15 block floating point
 * (cores without one). The reference both match is nodes.dsp._spectrum (numpy.fft.rfft, float64, of
 * the float32 weighted frame), used by nodes.dsp.Spectrum.reference and nodes.dsp.Mfe.reference.
 * The tables come from nodes.dsp_tables.fft_twiddles(n_fft), emitted by codegen.emit_dsp. */
#ifndef TMS_DSP_FFT_H
#define TMS_DSP_FFT_H

#include <stdint.h>

typedef struct {
    uint32_t n_fft;
    const float *cos_tab, *msin_tab;    /* fft.c: cos and -sin of 2 pi k / n_fft, k < n_fft / 2 */
    const int16_t *cos_q15, *msin_q15;  /* fft_q15.c: the same in Q15 */
    int16_t *work_q15;                  /* fft_q15.c: n_fft + 2 values of scratch */
} tms_fft_tables_t;

/* The first n_bins (<= n_fft / 2 + 1) magnitudes |X[k]| (squared when power != 0) of the real FFT of
 * x[i * stride] * window[i] for i < n (window 0: no weighting), zero-padded to n_fft, into
 * out[0 .. n_bins). out has room for n_fft + 2 floats (the float FFT works in it). */
void tms_frame_spectrum(const tms_fft_tables_t *fft, const float *x, uint32_t n, uint32_t stride,
                        const float *window, float *out, uint32_t n_bins, int power);

#endif
