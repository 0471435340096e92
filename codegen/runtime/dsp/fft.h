/* Radix-2 real FFT of n_fft points, done as a complex FFT of n_fft/2 points plus a split step.
 * Matches numpy.fft.rfft (float64) to float32 rounding; the reference using it is
 * nodes.dsp._spectrum (called by nodes.dsp.Spectrum.reference and nodes.dsp.Mfe.reference).
 * Twiddles come from nodes.dsp_tables.fft_twiddles(n_fft), emitted by codegen.emit_dsp. */
#ifndef TMS_DSP_FFT_H
#define TMS_DSP_FFT_H

#include <stdint.h>

/* In place: buf holds n_fft real samples on entry and n_fft/2 + 1 complex bins (re, im interleaved)
 * on return, so it must have room for n_fft + 2 floats. n_fft is a power of two >= 4.
 * cos_tab[k] = cos(2 pi k / n_fft), msin_tab[k] = -sin(2 pi k / n_fft), k < n_fft / 2. */
void tms_rfft(float *buf, uint32_t n_fft, const float *cos_tab, const float *msin_tab);

/* bins[k] = |X[k]| (or |X[k]|^2 when power != 0) for k < n_bins, written over buf after tms_rfft;
 * n_bins <= n_fft / 2 + 1. Safe in place because bin k is read from buf[2k] before buf[k] is written. */
void tms_rfft_magnitude(float *buf, uint32_t n_bins, int power);

#endif
