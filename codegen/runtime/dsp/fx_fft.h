/* The magnitude (or power) spectrum of one short frame in Q15 block floating point, with integer
 * arithmetic only, for cores without an FPU. Reference: nodes.dsp_fixed.frame_bins (numpy int64,
 * bit-exact); the steps are listed in that module's docstring. Twiddles: nodes.dsp_fixed.q15 of
 * nodes.dsp_tables.fft_twiddles(n_fft), emitted by codegen.emitters.dsp_fixed. */
#ifndef TMS_DSP_FX_FFT_H
#define TMS_DSP_FX_FFT_H

#include <stdint.h>

typedef struct {
    uint32_t n_fft;
    const int16_t *cos_q15, *msin_q15;   /* cos and -sin of 2 pi k / n_fft, k < n_fft / 2, in Q15 */
    int16_t *work;                        /* n_fft values of scratch */
} tms_fx_fft_t;

/* The smallest h whose rounded right shift ((v + 2^(h-1)) >> h) brings a block of this peak within limit. */
int32_t tms_fx_shift_for(int32_t peak, int32_t limit);

/* Complex radix-2 DIT FFT of m (re, im) pairs in place, Q15 twiddles of an n_fft-point table; each
 * stage's inputs are shifted right (rounded) by as much as keeps its butterflies from overflowing.
 * *peak: the block's peak |value| on entry, the result's on return. Returns the total shift. */
int32_t tms_fx_fft_complex(int16_t *z, uint32_t m, uint32_t n_fft, const int16_t *cos_q15, const int16_t *msin_q15,
                           int32_t *peak);

/* floor(sqrt(p)) */
uint32_t tms_fx_isqrt(uint32_t p);

/* |X[k]| (power: |X[k]|^2) for k < n_bins of the real FFT of x[i * stride] * window[i], i < n
 * (window 0: none), zero-padded to n_fft, into bins[k] so that |X[k]| = bins[k] * 2^(*exp2).
 * bins has room for 2 * n_bins values (the complex bins are formed there first). Returns 0 for a
 * silent frame (every bin 0, *exp2 = 0), else 1. */
int tms_fx_frame_bins(const tms_fx_fft_t *fft, const float *x, uint32_t n, uint32_t stride,
                      const int16_t *window_q15, uint32_t n_bins, int power, uint32_t *bins, int32_t *exp2);

#endif
